/** The few wx calls the app needs, as promises. Tests replace `wx.*` itself. */
import { ApiError } from './errors';
import type { RequestPaymentParams } from './types';

export function wxLogin(): Promise<string> {
  return new Promise((resolve, reject) => {
    wx.login({
      success: (r) => (r.code ? resolve(r.code) : reject(new ApiError('login_failed', 'no code', 0))),
      fail: (e) => reject(new ApiError('login_failed', e.errMsg, 0)),
    });
  });
}

/** The scanned text (a table QR's URL), or null when the diner closed the camera. */
export function wxScan(): Promise<string | null> {
  return new Promise((resolve, reject) => {
    wx.scanCode({
      onlyFromCamera: false,
      scanType: ['qrCode'],
      success: (r) => resolve(r.result),
      fail: (e) => (/cancel/.test(e.errMsg) ? resolve(null) : reject(new ApiError('scan_failed', e.errMsg, 0))),
    });
  });
}

export function wxRequestPayment(p: RequestPaymentParams): Promise<void> {
  return new Promise((resolve, reject) => {
    wx.requestPayment({
      timeStamp: p.timeStamp,
      nonceStr: p.nonceStr,
      package: p.package,
      signType: p.signType,
      paySign: p.paySign,
      success: () => resolve(),
      fail: (e) =>
        reject(new ApiError(/cancel/.test(e.errMsg) ? 'payment_cancelled' : 'payment_failed', e.errMsg, 0)),
    });
  });
}

export function storageGet(key: string): string | undefined {
  try {
    const v: unknown = wx.getStorageSync(key);
    return typeof v === 'string' && v !== '' ? v : undefined;
  } catch {
    return undefined;
  }
}

export function storageSet(key: string, value: string): void {
  try {
    wx.setStorageSync(key, value);
  } catch {
    // storage full or unavailable: the session just is not remembered
  }
}
