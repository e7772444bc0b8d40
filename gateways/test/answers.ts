/**
 * The API's answers as tests read them: the types of the gateway's own answer schemas
 * (`src/answers.ts`, what the OpenAPI document describes), for `call<T>`.
 */
import type { z } from 'zod';
import type {
  BoardAnswer,
  CartLineAddedAnswer,
  CatalogDocAnswer,
  CatalogImportedAnswer,
  DeliverySaleAnswer,
  LoginAnswer,
  MenuAnswer,
  OrderDetailAnswer,
  OrderListAnswer,
  OrderSummaryAnswer,
  PlacedOrderAnswer,
  PosSaleAnswer,
  PrepayAnswer,
  QuoteAnswer,
  ScanAnswer,
  SimPayAnswer,
  StaffOrderDetailAnswer,
  StockLevelsAnswer,
  StockResultAnswer,
  StockViewAnswer,
  TableViewAnswer,
} from '../src/answers.js';

export type Board = z.output<typeof BoardAnswer>;
export type CartLineAdded = z.output<typeof CartLineAddedAnswer>;
export type CatalogDoc = z.output<typeof CatalogDocAnswer>;
export type CatalogImported = z.output<typeof CatalogImportedAnswer>;
export type DeliverySale = z.output<typeof DeliverySaleAnswer>;
export type Login = z.output<typeof LoginAnswer>;
export type Menu = z.output<typeof MenuAnswer>;
export type OrderDetail = z.output<typeof OrderDetailAnswer>;
export type OrderList = z.output<typeof OrderListAnswer>;
export type OrderSummary = z.output<typeof OrderSummaryAnswer>;
export type Placed = z.output<typeof PlacedOrderAnswer>;
export type PosSale = z.output<typeof PosSaleAnswer>;
export type Prepay = z.output<typeof PrepayAnswer>;
export type Quote = z.output<typeof QuoteAnswer>;
export type Scan = z.output<typeof ScanAnswer>;
export type SimPay = z.output<typeof SimPayAnswer>;
export type StaffOrderDetail = z.output<typeof StaffOrderDetailAnswer>;
export type StockLevels = z.output<typeof StockLevelsAnswer>;
export type StockResult = z.output<typeof StockResultAnswer>;
export type StockView = z.output<typeof StockViewAnswer>;
export type TableView = z.output<typeof TableViewAnswer>;

/** A validation refusal's details: each issue's path and message. */
export interface ValidationDetails {
  readonly issues: readonly { readonly path: string; readonly message: string }[];
}

/** A schema of the OpenAPI document, as far as the tests walk it. */
export interface OpenApiSchema {
  type?: string;
  properties?: Record<string, OpenApiSchema>;
  items?: OpenApiSchema;
  enum?: string[];
  required?: string[];
}

/** A media type's schema (`content['application/json']`). */
export interface OpenApiMedia {
  readonly schema: OpenApiSchema;
}

export interface OpenApiOperation {
  readonly parameters?: readonly { readonly name: string; readonly in: string; readonly required?: boolean }[];
  readonly requestBody?: { readonly content: Readonly<Record<string, OpenApiMedia>> };
  readonly responses: Readonly<Record<string, { readonly content?: Readonly<Record<string, OpenApiMedia>> }>>;
  readonly 'x-roles'?: readonly string[];
}

/** The gateway's OpenAPI document (`GET /openapi.json`), the parts the tests read. */
export interface OpenApiDocument {
  readonly openapi: string;
  readonly paths: Readonly<Record<string, Readonly<Record<string, OpenApiOperation>>>>;
  readonly components: { readonly schemas: Record<string, OpenApiSchema> };
  readonly 'x-error-codes': Readonly<Record<string, { readonly status: number; readonly retryable: boolean }>>;
}
