/** 扫码点餐: a launch from the table's QR code, or wx.scanCode → a table session. */
import { getContext } from '../../lib/app-context';
import { wordsFor } from '../../lib/errors';
import { definePage } from '../../lib/page';
import { tokenFromLaunch, tokenFromText } from '../../lib/qr';
import { wxScan } from '../../lib/wxp';

interface Data {
  state: 'idle' | 'working' | 'error';
  error: string;
  partySize: number;
  resume: string;
}

export const scanPage = definePage<Data, {
  onLoad(query?: Record<string, string>): Promise<void>;
  scan(): Promise<void>;
  enter(token: string): Promise<void>;
  resumeTable(): void;
  incParty(): void;
  decParty(): void;
}>({
  data: { state: 'idle', error: '', partySize: 2, resume: '' },
  methods: {
    async onLoad(query) {
      const token = tokenFromLaunch(query);
      if (token !== null) {
        await this.enter(token);
        return;
      }
      const s = getContext().store.session;
      if (s !== null) this.setData({ resume: `${s.storeName} · ${s.tableLabel}` });
    },
    async scan() {
      let text: string | null;
      try {
        text = await wxScan();
      } catch (e) {
        this.setData({ state: 'error', error: wordsFor(e) });
        return;
      }
      if (text === null) return;
      const token = tokenFromText(text);
      if (token === null) {
        this.setData({ state: 'error', error: '这不是本店的点餐码，请扫描桌上的二维码' });
        return;
      }
      await this.enter(token);
    },
    async enter(token) {
      this.setData({ state: 'working', error: '' });
      try {
        await getContext().enterTable(token, this.data.partySize);
        this.setData({ state: 'idle' });
        void wx.redirectTo({ url: '/pages/menu/index' });
      } catch (e) {
        this.setData({ state: 'error', error: wordsFor(e) });
      }
    },
    resumeTable() {
      void wx.redirectTo({ url: '/pages/menu/index' });
    },
    incParty() {
      if (this.data.partySize < 20) this.setData({ partySize: this.data.partySize + 1 });
    },
    decParty() {
      if (this.data.partySize > 1) this.setData({ partySize: this.data.partySize - 1 });
    },
  },
});
