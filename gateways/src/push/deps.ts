/**
 * What the push hub needs from outside besides NATS: a way to send engine
 * commands (snapshot reads, staff actions) and somewhere to log.
 */
import type { CommandSender } from '@lunchrush/actors';
import type { EngineClient } from '@lunchrush/engine';

/**
 * Engine commands, as the gateway's `EngineGate` sends them: under the same in-flight limit and
 * deadline as the HTTP routes, refused at once (`gateway_overloaded`) past the limit.
 */
export type PushEngine = CommandSender;

export interface PushLogger {
  warn(obj: object, msg: string): void;
}

/**
 * The hub's engine: the gateway hands its `EngineGate`; a standalone push server (tests) may hand
 * a bare `EngineClient`, whose commands then have no in-flight limit and its default deadline.
 */
export function pushEngine(e: PushEngine | EngineClient): PushEngine {
  return e;
}
