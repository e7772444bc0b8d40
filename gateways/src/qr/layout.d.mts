export declare const PNG_LAYOUT: {
  readonly columns: number;
  readonly cell: number;
  readonly qr: number;
  readonly pad: number;
  readonly titleHeight: number;
};
export declare const PDF_LAYOUT: {
  readonly width: number;
  readonly height: number;
  readonly margin: number;
  readonly titleHeight: number;
  readonly qrMax: number;
};
export declare function pdfGrid(perPage: number): { columns: number; rows: number };
export declare function pdfCell(perPage: number, j: number): { x: number; y: number; width: number; height: number };
