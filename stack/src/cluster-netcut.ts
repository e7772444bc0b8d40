/**
 * A network partition of one NATS member, on loopback, with iptables: every packet to or from its
 * route port is dropped, and so is every packet its own process (it runs as a user of its own,
 * `NETCUT_USER`) sends to another member's route port, so it loses the cluster both ways while its
 * clients still reach it (a member cut off with the clients on its side of the cut). The rules live
 * in a chain of their own, jumped to from OUTPUT for `lo` only (on loopback every packet passes
 * OUTPUT once), and go when healed or when this process exits.
 *
 * Needs root and `iptables` (Debian package `iptables`; `npm test` installs it when missing, as root).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/** The user a cuttable member runs as: `nobody`, which nothing else of the stack runs as. */
export const NETCUT_USER = { uid: 65534, gid: 65534 } as const;

const IPTABLES_DIRS = ['/usr/sbin', '/sbin', '/usr/local/sbin'];

function iptablesBinary(): string | undefined {
  for (const d of IPTABLES_DIRS) {
    const p = `${d}/iptables`;
    if (fs.existsSync(p)) return p;
  }
  return undefined;
}

/** Whether a cut can be made here (`npm test` installs `iptables` from Debian when root and it is missing). */
export function netCutAvailable(): { ok: true } | { ok: false; why: string } {
  if (process.getuid?.() !== 0) return { ok: false, why: 'a network cut needs root (iptables)' };
  const bin = iptablesBinary();
  if (bin === undefined)
    return { ok: false, why: 'iptables not found; install it (Debian: apt-get install -y iptables)' };
  try {
    execFileSync(bin, ['-S', 'OUTPUT'], { stdio: 'ignore' });
  } catch (e) {
    return { ok: false, why: `iptables does not work here: ${String(e)}` };
  }
  return { ok: true };
}

/** The ports of the cut: the member's route port, and the other members' route ports. */
export interface CutPorts {
  readonly route: number;
  readonly otherRoutes: readonly number[];
}

export class NetCut {
  private readonly chain: string;
  private active = false;
  private readonly onExit = (): void => this.heal();

  /** `name`: unique per cut on this machine (letters, digits and `-`, at most 22: the chain is `LRCUT-<name>`). */
  constructor(name: string) {
    if (!/^[A-Za-z0-9-]{1,22}$/.test(name)) throw new Error(`bad cut name ${name}`);
    this.chain = `LRCUT-${name}`;
  }

  private ipt(args: string[]): void {
    execFileSync(iptablesBinary() ?? 'iptables', ['-w', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  }

  /** Cuts the member whose ports are `p` from the others. */
  cut(p: CutPorts): void {
    if (this.active) return;
    this.ipt(['-N', this.chain]);
    this.active = true;
    process.once('exit', this.onExit);
    const drop = (...match: string[]): void => this.ipt(['-A', this.chain, '-p', 'tcp', ...match, '-j', 'DROP']);
    drop('--dport', String(p.route));
    drop('--sport', String(p.route));
    drop('-m', 'owner', '--uid-owner', String(NETCUT_USER.uid), '-m', 'multiport', '--dports', p.otherRoutes.join(','));
    this.ipt(['-I', 'OUTPUT', '-o', 'lo', '-j', this.chain]);
  }

  /** Removes the cut (the dropped connections recover by TCP retransmission or reconnect). */
  heal(): void {
    if (!this.active) return;
    this.active = false;
    process.removeListener('exit', this.onExit);
    for (const args of [
      ['-D', 'OUTPUT', '-o', 'lo', '-j', this.chain],
      ['-F', this.chain],
      ['-X', this.chain],
    ]) {
      try {
        this.ipt(args);
      } catch {
        // already gone
      }
    }
  }
}
