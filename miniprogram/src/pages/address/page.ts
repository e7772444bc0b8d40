/**
 * 收货地址: the diner's address book (on the phone). Adding one asks for the location use first
 * (WeChat's privacy agreement, then `scope.userLocation`), then the diner picks the place on the
 * map (`wx.chooseLocation`, GCJ-02) and names the contact and phone. Choosing an address opens
 * the menu in delivery mode for it (`?mode=delivery&address=<id>`).
 */
import { AddressBook, addressProblem, locationConsent, pickLocation, wxStorage } from '../../lib/address-book';
import type { GeoPoint } from '../../lib/delivery-types';
import { definePage, type TapEvent } from '../../lib/page';

interface AddressRow {
  id: string;
  address: string;
  contact: string;
  phoneText: string;
}

interface Form {
  contact: string;
  phone: string;
  address: string;
  location: GeoPoint | null;
}

interface Data {
  mode: 'list' | 'form';
  addresses: AddressRow[];
  consented: boolean;
  form: Form;
  error: string;
}

const EMPTY: Form = { contact: '', phone: '', address: '', location: null };

const rows = (book: AddressBook): AddressRow[] =>
  book.list().map((a) => ({
    id: a.id,
    address: a.address,
    contact: a.contact,
    phoneText: a.phone.replace(/^(\d{3})\d{4}(\d{4})$/, '$1****$2'),
  }));

export const addressPage = definePage<
  Data,
  {
    onLoad(): void;
    onShow(): void;
    choose(e: TapEvent<{ id: string }>): void;
    remove(e: TapEvent<{ id: string }>): void;
    startAdd(): void;
    cancelAdd(): void;
    askConsent(): Promise<void>;
    pickOnMap(): Promise<void>;
    inputContact(e: { detail: { value: string } }): void;
    inputPhone(e: { detail: { value: string } }): void;
    save(): void;
  }
>({
  data: { mode: 'list', addresses: [], consented: false, form: { ...EMPTY }, error: '' },
  methods: {
    onLoad() {
      const addresses = rows(new AddressBook(wxStorage()));
      this.setData({ addresses, mode: addresses.length === 0 ? 'form' : 'list' });
    },
    onShow() {
      if (this.data.mode === 'list') this.setData({ addresses: rows(new AddressBook(wxStorage())) });
    },
    choose(e) {
      void wx.navigateTo({ url: `/pages/menu/index?mode=delivery&address=${e.currentTarget.dataset.id}` });
    },
    remove(e) {
      const book = new AddressBook(wxStorage());
      book.remove(e.currentTarget.dataset.id);
      this.setData({ addresses: rows(book) });
    },
    startAdd() {
      this.setData({ mode: 'form', form: { ...EMPTY }, error: '' });
    },
    cancelAdd() {
      const addresses = rows(new AddressBook(wxStorage()));
      this.setData({ mode: 'list', addresses, error: '' });
    },
    async askConsent() {
      const ok = await locationConsent();
      this.setData({ consented: ok, error: ok ? '' : '没有位置授权就无法选择收货地址，可在「设置」中重新开启' });
      if (ok) await this.pickOnMap();
    },
    async pickOnMap() {
      const picked = await pickLocation();
      if (picked === null) return;
      this.setData({ form: { ...this.data.form, address: picked.address, location: picked.location }, error: '' });
    },
    inputContact(e) {
      this.setData({ form: { ...this.data.form, contact: e.detail.value } });
    },
    inputPhone(e) {
      this.setData({ form: { ...this.data.form, phone: e.detail.value } });
    },
    save() {
      const f = this.data.form;
      const problem = addressProblem(f) ?? (f.location === null ? '请在地图上选择地址' : null);
      if (problem !== null || f.location === null) {
        this.setData({ error: problem ?? '' });
        return;
      }
      const book = new AddressBook(wxStorage());
      const saved = book.add({ contact: f.contact, phone: f.phone, address: f.address, location: f.location });
      this.setData({ mode: 'list', addresses: rows(book), form: { ...EMPTY }, error: '' });
      void wx.navigateTo({ url: `/pages/menu/index?mode=delivery&address=${saved.id}` });
    },
  },
});
