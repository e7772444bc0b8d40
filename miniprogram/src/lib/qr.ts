/**
 * A printed table code is a URL `<gateway>/qr?t=<token>`. WeChat opens the
 * mini-program with it as `query.q` (扫普通链接二维码打开小程序, URL-encoded), a
 * mini-program code gives `query.t` or `query.scene`, and wx.scanCode answers the
 * text itself.
 */
const TOKEN_RE = /^t1\.[A-Za-z0-9_-]{1,16}\.\d{13}\.[A-Za-z0-9_-]{10,64}$/;

export function tokenFromText(text: string): string | null {
  const s = text.trim();
  if (TOKEN_RE.test(s)) return s;
  const m = /[?&]t=([^&#]+)/.exec(s);
  if (m?.[1] === undefined) return null;
  let t: string;
  try {
    t = decodeURIComponent(m[1]);
  } catch {
    return null;
  }
  return TOKEN_RE.test(t) ? t : null;
}

export function tokenFromLaunch(query: Record<string, string | undefined> | undefined): string | null {
  if (query === undefined) return null;
  if (query.t !== undefined) return tokenFromText(safeDecode(query.t));
  if (query.q !== undefined) return tokenFromText(safeDecode(query.q));
  if (query.scene !== undefined) return tokenFromText(safeDecode(query.scene));
  return null;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
