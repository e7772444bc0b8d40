import { defineActor, reject } from './decider.js';

/**
 * Demo actors: small, but they exercise every engine feature (events,
 * rejections, cross-actor calls, durable timers, side outputs). `npm start`
 * drives them; the engine's crash tests use them.
 */

export interface AccountState {
  balance: number;
  /** Every transaction id applied, in order: lets tests prove nothing is applied twice. */
  history: string[];
  /** Reminder keys whose timer fired, in order. */
  fired: string[];
}

export type AccountCommand =
  | { op: 'deposit'; amount: number; tx: string; notify?: boolean }
  | { op: 'withdraw'; amount: number; tx: string }
  | { op: 'transfer'; to: string; amount: number; tx: string }
  | { op: 'remind'; key: string; at: number }
  | { op: 'reminded'; key: string }
  | { op: 'get' };

export type AccountEvent =
  | { t: 'deposited'; amount: number; tx: string }
  | { t: 'withdrawn'; amount: number; tx: string }
  | { t: 'reminder_set'; key: string; at: number }
  | { t: 'reminder_fired'; key: string };

const isAmount = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n > 0;

export const account = defineActor<AccountState, AccountCommand, AccountEvent, unknown>({
  name: 'account',
  initial: () => ({ balance: 0, history: [], fired: [] }),
  decide(s, c, ctx) {
    switch (c.op) {
      case 'deposit':
        if (!isAmount(c.amount)) return reject('bad_amount', 'amount must be a positive integer', undefined, 'invalid');
        return {
          events: [{ t: 'deposited', amount: c.amount, tx: c.tx }],
          result: { balance: s.balance + c.amount },
          // A durable side output (JetStream), de-duplicated downstream by its id.
          ...(c.notify === true
            ? {
                outputs: [
                  {
                    subject: `demo.ledger.${ctx.self.store}`,
                    id: `ledger:${ctx.self.id}:${c.tx}`,
                    data: { account: ctx.self.id, tx: c.tx, amount: c.amount },
                    jetstream: true,
                  },
                ],
              }
            : {}),
        };
      case 'withdraw':
        if (!isAmount(c.amount)) return reject('bad_amount', 'amount must be a positive integer', undefined, 'invalid');
        if (s.balance < c.amount)
          return reject('insufficient_funds', `balance ${s.balance} < ${c.amount}`, { balance: s.balance });
        return { events: [{ t: 'withdrawn', amount: c.amount, tx: c.tx }], result: { balance: s.balance - c.amount } };
      case 'transfer': {
        if (!isAmount(c.amount)) return reject('bad_amount', 'amount must be a positive integer', undefined, 'invalid');
        if (c.to === ctx.self.id)
          return reject('same_account', 'cannot transfer to the same account', undefined, 'invalid');
        if (s.balance < c.amount)
          return reject('insufficient_funds', `balance ${s.balance} < ${c.amount}`, { balance: s.balance });
        const r = ctx.call('account', c.to, { op: 'deposit', amount: c.amount, tx: c.tx });
        if (!r.ok) return reject(r.code, r.message);
        return { events: [{ t: 'withdrawn', amount: c.amount, tx: c.tx }], result: { balance: s.balance - c.amount } };
      }
      case 'remind':
        return {
          events: [{ t: 'reminder_set', key: c.key, at: c.at }],
          timers: [{ key: c.key, at: c.at, command: { op: 'reminded', key: c.key } }],
        };
      case 'reminded':
        return {
          events: [{ t: 'reminder_fired', key: c.key }],
          outputs: [
            {
              subject: `demo.reminders.${ctx.self.store}`,
              id: `reminder:${ctx.self.id}:${c.key}`,
              data: { account: ctx.self.id, key: c.key },
            },
          ],
        };
      case 'get':
        return { result: { balance: s.balance, transactions: s.history.length, history: s.history, fired: s.fired } };
      default:
        return reject('unknown_command', 'unknown command', undefined, 'invalid');
    }
  },
  evolve(s, e) {
    switch (e.t) {
      case 'deposited':
        return { ...s, balance: s.balance + e.amount, history: [...s.history, e.tx] };
      case 'withdrawn':
        return { ...s, balance: s.balance - e.amount, history: [...s.history, e.tx] };
      case 'reminder_set':
        return s;
      case 'reminder_fired':
        return { ...s, fired: [...s.fired, e.key] };
    }
  },
});

/** The smallest actor there is: a counter. */
export const counter = defineActor<
  { n: number },
  { op: 'add'; by: number } | { op: 'get' },
  { t: 'added'; by: number },
  { n: number }
>({
  name: 'counter',
  initial: () => ({ n: 0 }),
  decide(s, c) {
    if (c.op === 'get') return { result: { n: s.n } };
    if (typeof c.by !== 'number' || !Number.isInteger(c.by))
      return reject('bad_amount', 'by must be an integer', undefined, 'invalid');
    return { events: [{ t: 'added', by: c.by }], result: { n: s.n + c.by } };
  },
  evolve: (s, e) => ({ n: s.n + e.by }),
});

export const demoActors = [account, counter];

/** The JetStream stream the demo's durable side outputs go to (`<NS>_LEDGER`). */
export const demoOutputStreams = [{ name: 'LEDGER', subjects: ['demo.ledger.>'] }];
