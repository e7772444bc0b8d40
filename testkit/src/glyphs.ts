/**
 * Finds Chinese text that a page in headless Chromium draws as boxes (tofu, the
 * missing-glyph box): what a person sees when no font the page can use has the
 * characters, or when the page's font stack lets Chromium keep the boxes it drew
 * while a web font was loading (it does, for text shaped before the load, when a
 * font without Chinese comes before the web font in the stack).
 *
 * DOM text is judged by the fonts Chromium says it drew each element's text with
 * (DevTools protocol `CSS.getPlatformFontsForNode`): the Chinese characters must
 * have been drawn by fonts that have Chinese glyphs (fontconfig's answer for the
 * machine's fonts; a web font is taken to have what it was used for, as Chromium
 * uses one only for characters in its cmap and unicode-range). Canvas text (charts)
 * is judged by drawing: a character drawn with the chart's font exactly like a
 * code point no font has is a box.
 */
import { execFileSync } from 'node:child_process';

/** An element whose Chinese text is drawn (partly) as boxes, with the fonts it was drawn with. */
export interface BoxedText {
  readonly text: string;
  readonly fonts: readonly string[];
}

interface PlatformFont {
  readonly familyName: string;
  readonly postScriptName?: string;
  readonly isCustomFont: boolean;
  readonly glyphCount: number;
}

interface DomNode {
  readonly nodeId: number;
  readonly nodeType: number;
  readonly nodeName: string;
  readonly nodeValue: string;
  readonly children?: readonly DomNode[];
}

/** The parts of a Playwright page used here (testkit does not depend on Playwright). */
export interface GlyphPage {
  evaluate<R>(expression: string): Promise<R>;
  context(): {
    newCDPSession(page: any): Promise<{ send(method: any, params?: any): Promise<any>; detach(): Promise<void> }>;
  };
}

const HAN = /\p{Script=Han}/gu;
/** Unassigned in Unicode: no font has it, so every font draws its missing-glyph box. */
const NO_GLYPH = '\u0378';

let cjkFontNames: ReadonlySet<string> | undefined;

/** Family and PostScript names of the installed fonts that have 中 (fontconfig). */
export function cjkFonts(): ReadonlySet<string> {
  if (cjkFontNames !== undefined) return cjkFontNames;
  let out: string;
  try {
    out = execFileSync('fc-list', [':charset=4e2d', '-f', '%{family}\\n%{postscriptname}\\n'], { encoding: 'utf8' });
  } catch (e) {
    throw new Error('fc-list (fontconfig, installed with chromium) is needed to tell which fonts have Chinese', {
      cause: e,
    });
  }
  return (cjkFontNames = new Set(
    out
      .split(/[\n,]/)
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  ));
}

/** True when the machine has at least one font with Chinese glyphs. */
export function hasCjkFont(): boolean {
  return cjkFonts().size > 0;
}

/**
 * Every rendered element of the page whose own Chinese text is drawn (partly) as
 * boxes. Wait for what should be on the page, and for `document.fonts.ready`, first.
 */
export async function boxedText(page: GlyphPage): Promise<BoxedText[]> {
  await page.evaluate('document.fonts.ready.then(() => true)');
  const cjk = cjkFonts();
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('DOM.enable');
    await cdp.send('CSS.enable');
    const { root } = (await cdp.send('DOM.getDocument', { depth: -1 })) as { root: DomNode };
    const boxed: BoxedText[] = [];
    const visit = async (n: DomNode): Promise<void> => {
      const kids = n.children ?? [];
      const text = kids
        .filter((k) => k.nodeType === 3)
        .map((k) => k.nodeValue)
        .join('');
      const han = text.match(HAN)?.length ?? 0;
      if (han > 0 && n.nodeName !== 'SCRIPT' && n.nodeName !== 'STYLE' && n.nodeName !== 'TITLE') {
        const answer = (await cdp.send('CSS.getPlatformFontsForNode', { nodeId: n.nodeId }).catch((e: unknown) => {
          // A live page (orders arriving) may re-render between the snapshot of the DOM and this
          // question: a node gone from the page is not on the screen to be checked.
          if (e instanceof Error && /Could not find node/.test(e.message)) return undefined;
          throw e;
        })) as { fonts: PlatformFont[] } | undefined;
        if (answer === undefined) return;
        const { fonts } = answer;
        // No fonts: not rendered (display: none, hidden).
        const drawn = fonts.filter(
          (f) =>
            f.isCustomFont || cjk.has(f.familyName) || (f.postScriptName !== undefined && cjk.has(f.postScriptName)),
        );
        const glyphs = drawn.reduce((s, f) => s + f.glyphCount, 0);
        if (fonts.length > 0 && glyphs < han)
          boxed.push({ text: text.trim(), fonts: fonts.map((f) => `${f.familyName} (${f.glyphCount})`) });
      }
      for (const k of kids) await visit(k);
    };
    await visit(root);
    return boxed;
  } finally {
    await cdp.detach();
  }
}

/**
 * The characters of `text` that a canvas draws in the CSS `fontFamily` (as a chart
 * library would) exactly like a code point no font has: boxes.
 */
export async function boxedOnCanvas(page: GlyphPage, fontFamily: string, text: string): Promise<string[]> {
  await page.evaluate('document.fonts.ready.then(() => true)');
  const font = `32px ${fontFamily}`;
  const arg = JSON.stringify({ font, chars: [...new Set(text.match(HAN) ?? [])], none: NO_GLYPH });
  return page.evaluate<string[]>(`(() => {
    const { font, chars, none } = ${arg};
    const draw = (ch) => {
      const c = document.createElement('canvas');
      c.width = 64;
      c.height = 64;
      const g = c.getContext('2d');
      g.font = font;
      g.fillText(ch, 4, 48);
      return g.getImageData(0, 0, 64, 64).data.join(',');
    };
    const box = draw(none);
    return chars.filter((ch) => draw(ch) === box);
  })()`);
}
