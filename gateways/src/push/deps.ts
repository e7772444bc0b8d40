/**
 * What the push hub needs from outside besides NATS: a way to send engine
 * commands (snapshot reads, staff actions) and somewhere to log.
 */
import type { CommandSender } from '@lunchrush/actors';

/**
 * Engine commands, as the gateway's `EngineGate` sends them: under the same in-flight limit and
 * deadline as the HTTP routes, refused at once (`gateway_overloaded`) past the limit. A standalone
 * push server (tests) may hand a bare `EngineClient` (same shape), whose commands then have no
 * in-flight limit and its default deadline.
 */
export type PushEngine = CommandSender;

export interface PushLogger {
  warn(obj: object, msg: string): void;
}
