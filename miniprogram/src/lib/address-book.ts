/**
 * The diner's delivery addresses, on the phone only (wx storage), and how one is added: the
 * diner agrees to the location use (WeChat's privacy consent, then `scope.userLocation`), picks
 * the place on the map (`wx.chooseLocation`, GCJ-02), and names the contact and phone. Nothing is
 * sent to the gateway until an order is placed to it.
 */
import type { Address, GeoPoint } from './delivery-types';

const KEY = 'lunchrush.addresses';
const MAX_ADDRESSES = 20;
const PHONE_RE = /^1\d{10}$/;

export interface AddressStorage {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
}

export const wxStorage = (): AddressStorage => ({
  get: (k) => wx.getStorageSync(k),
  set: (k, v) => wx.setStorageSync(k, v),
});

/** What is wrong with an address the diner typed, in Chinese; null when it may be saved. */
export function addressProblem(a: { contact: string; phone: string; address: string }): string | null {
  if (a.contact.trim() === '') return '请填写联系人';
  if (!PHONE_RE.test(a.phone.trim())) return '请填写 11 位手机号';
  if (a.address.trim() === '') return '请在地图上选择地址';
  return null;
}

export class AddressBook {
  constructor(private readonly storage: AddressStorage) {}

  list(): Address[] {
    const raw = this.storage.get(KEY);
    return Array.isArray(raw) ? (raw as Address[]) : [];
  }

  /** Saves a new address first in the list (the one used last comes first). */
  add(a: Omit<Address, 'id'>, now = Date.now()): Address {
    const problem = addressProblem(a);
    if (problem !== null) throw new Error(problem);
    const saved: Address = {
      id: `a${now.toString(36)}`,
      contact: a.contact.trim(),
      phone: a.phone.trim(),
      address: a.address.trim(),
      location: a.location,
    };
    this.storage.set(KEY, [saved, ...this.list().filter((x) => x.id !== saved.id)].slice(0, MAX_ADDRESSES));
    return saved;
  }

  remove(id: string): void {
    this.storage.set(
      KEY,
      this.list().filter((x) => x.id !== id),
    );
  }
}

/**
 * Asks for the location use: WeChat's privacy agreement (where the base library has it), then the
 * `scope.userLocation` authorisation. False when the diner says no: the page offers typing nothing
 * else, since a rider needs the point.
 */
export function locationConsent(): Promise<boolean> {
  return new Promise((resolve) => {
    const authorize = (): void => {
      wx.authorize({ scope: 'scope.userLocation', success: () => resolve(true), fail: () => resolve(false) });
    };
    const w = wx as unknown as { requirePrivacyAuthorize?: (o: { success(): void; fail(): void }) => void };
    if (typeof w.requirePrivacyAuthorize === 'function')
      w.requirePrivacyAuthorize({ success: authorize, fail: () => resolve(false) });
    else authorize();
  });
}

/** The place the diner picks on WeChat's map (GCJ-02); null when they close it. */
export function pickLocation(): Promise<{ address: string; location: GeoPoint } | null> {
  return new Promise((resolve) => {
    wx.chooseLocation({
      success: (r) =>
        resolve({ address: `${r.address}${r.name === '' ? '' : ` ${r.name}`}`, location: { lng: r.longitude, lat: r.latitude } }),
      fail: () => resolve(null),
    });
  });
}
