/** The delivery modules the tracking page and the address book use: addresses checked and kept, a delivery in words. */
import { describe, expect, expectTypeOf, it } from 'vitest';
import type {
  DeliveryStatus as ActorsDeliveryStatus,
  DeliveryView as ActorsDeliveryView,
  GeoPoint as ActorsGeoPoint,
} from '@lunchrush/actors';
import { AddressBook, addressProblem, type AddressStorage } from '../src/lib/address-book';
import type { DeliveryStatus, DeliveryView, GeoPoint } from '../src/lib/delivery-types';
import { trackView } from '../src/lib/track-view';
import type { OrderDetail } from '../src/lib/types';

const HOME = { lng: 112.981, lat: 28.199 };

function memory(): AddressStorage {
  const m = new Map<string, unknown>();
  return { get: (k) => m.get(k) ?? '', set: (k, v) => void m.set(k, v) };
}

describe('address book', () => {
  it('says what is missing, in Chinese', () => {
    const ok = { contact: '王女士', phone: '13800138000', address: '黄兴中路 88 号' };
    expect(addressProblem(ok)).toBeNull();
    expect(addressProblem({ ...ok, contact: ' ' })).toBe('请填写联系人');
    expect(addressProblem({ ...ok, phone: '1380013800' })).toBe('请填写 11 位手机号');
    expect(addressProblem({ ...ok, address: '' })).toBe('请在地图上选择地址');
  });

  it('keeps the newest first, trimmed, and forgets a removed one', () => {
    const book = new AddressBook(memory());
    expect(book.list()).toEqual([]);
    const a = book.add({ contact: ' 王女士 ', phone: '13800138000', address: '家', location: HOME }, 1);
    const b = book.add({ contact: '李先生', phone: '13900139000', address: '公司', location: HOME }, 2);
    expect(book.list().map((x) => x.id)).toEqual([b.id, a.id]);
    expect(a.contact).toBe('王女士');
    book.remove(a.id);
    expect(book.list()).toEqual([b]);
    expect(() => book.add({ contact: '', phone: '1', address: '', location: HOME })).toThrow('请填写联系人');
  });
});

describe('the delivery wire types', () => {
  it('declares what it reads of a delivery as actors/ owns it', () => {
    // The statuses are actors/' own type; the rest is declared here (the app talks HTTP only): tsc
    // fails when a field the app reads changes or goes in actors/ (the app reads a part).
    expectTypeOf<DeliveryStatus>().toEqualTypeOf<ActorsDeliveryStatus>();
    // The app's points are read-only; on the wire they are the same two numbers.
    expectTypeOf<GeoPoint>().toEqualTypeOf<Readonly<ActorsGeoPoint>>();
    expectTypeOf<DeliveryView['position']>().toEqualTypeOf<Readonly<ActorsGeoPoint> | null>();
    expectTypeOf<Omit<DeliveryView, 'position'>>().toEqualTypeOf<
      Pick<ActorsDeliveryView, Exclude<keyof DeliveryView, 'position'>>
    >();
  });
});

describe('tracking words', () => {
  const order = (status: string): OrderDetail => ({ orderId: 'o_003_abcd1234', status }) as unknown as OrderDetail;
  const delivery = (over: Partial<DeliveryView>): DeliveryView => ({
    orderId: 'o_003_abcd1234',
    status: 'dispatching',
    attempt: 1,
    tipFen: 0,
    rider: null,
    position: null,
    staffReason: null,
    version: 1,
    updatedAt: 0,
    ...over,
  });

  it('follows the kitchen, then the rider, and stops at the door', () => {
    expect(trackView(order('pending_payment'), null)).toMatchObject({ headline: '等待支付', done: false });
    expect(trackView(order('cooking'), null)).toMatchObject({ headline: '商家正在备餐', markers: [] });
    const rider = { name: '张师傅', phone: '13800000001' };
    const onTheWay = trackView(order('ready'), delivery({ status: 'picked_up', rider, position: HOME, tipFen: 300 }));
    expect(onTheWay).toMatchObject({ headline: '骑手已取餐，正在配送', riderName: '张师傅', hasRider: true, done: false });
    expect(onTheWay.detail).toBe('订单 1234（已加小费 ¥3）');
    expect(onTheWay.markers).toHaveLength(1);
    expect(trackView(order('served'), delivery({ status: 'delivered', rider })).done).toBe(true);
  });

  it('says when the store delivers it, and ends a cancelled order', () => {
    expect(trackView(order('ready'), delivery({ status: 'staff', staffReason: 'no_rider' }))).toMatchObject({
      headline: '门店正在安排店员配送',
      done: false,
    });
    expect(trackView(order('cancelled'), null)).toMatchObject({ headline: '订单已取消', done: true });
  });

  it('a pickup (到店自取): the kitchen, then 请到店取餐, done once collected', () => {
    const pickup = (status: string): OrderDetail => ({ ...order(status), channel: 'takeaway' });
    expect(trackView(pickup('cooking'), null)).toMatchObject({ headline: '商家正在备餐', done: false });
    expect(trackView(pickup('ready'), null)).toMatchObject({ headline: '餐已备好，请到店取餐', done: false });
    expect(trackView(pickup('served'), null)).toMatchObject({ headline: '已取餐，祝你用餐愉快', done: true });
    expect(trackView(pickup('cancelled'), null)).toMatchObject({ headline: '订单已取消', done: true });
  });
});
