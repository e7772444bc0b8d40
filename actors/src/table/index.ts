/**
 * One dining table (`table` actor, id = its 13-digit table code): the session
 * of the party sitting there, their shared cart, the orders they placed, and
 * merging and moving tables.
 *
 *   free ─open─▶ seated ─addLine─▶ ordering ─submit─▶ awaiting_payment ─(order paid/cancelled)─▶ seated / ordering
 *     ▲                                                                                            │ close
 *     └──────────────cleaned─────────── cleaning ◀─────────────────────────────────────────────────┘
 *   merge: this table's party joins another table's session; this table shows `merged` and
 *          forwards every diner command to it until the session closes (then both need cleaning).
 *   transfer: the whole session moves to a free table; this one goes to cleaning.
 *
 * The shared cart: every diner's phone sends its own commands; the actor's
 * mailbox takes them one at a time, so concurrent adds never overwrite each
 * other, and each line's client-chosen `lineId` makes a retried add harmless.
 *
 * Where things are: `commands.ts` (schemas), `events.ts`, `evolve.ts` (state, status,
 * `evolveTable`), `view.ts` (what it answers and pushes), `decision.ts` (how a decision is
 * put together), `cart.ts` (the party and the shared cart, submit), `moves.ts` (close, merge,
 * transfer) and `decide.ts` (one command to its rule).
 */
import { defineActor } from '@lunchrush/engine';
import { ActorTypes, parseCommand } from '../domain.js';
import { TableCommandSchema, type TableCommand } from './commands.js';
import { decideParsedTable } from './decide.js';
import type { TableEvent } from './events.js';
import { evolveTable, initialTable, type TableState } from './evolve.js';
import type { TableResult } from './view.js';

export { MAX_CART_LINES, TableCommandSchema, TableConfigSchema } from './commands.js';
export type { Parsed as ParsedTableCommand, TableCommand, TableConfig } from './commands.js';
export type { CartLine, SessionOrder, TableEvent, TableSession, TableStatus } from './events.js';
export { evolveTable, initialTable, statusOf } from './evolve.js';
export type { TableState } from './evolve.js';
export { viewOf } from './view.js';
export type { TablePush, TableResult, TableView } from './view.js';
export { decideTable } from './decide.js';

/** One `table` actor per table, id = its 13-digit code (`SSSAAAATTTTTC`). */
export const tableActor = defineActor<TableState, TableCommand, TableEvent, TableResult>({
  name: ActorTypes.Table,
  initial: (ref) => initialTable(ref.store, ref.id),
  parse: (command) => parseCommand(TableCommandSchema, command),
  decide: decideParsedTable,
  evolve: evolveTable,
});
