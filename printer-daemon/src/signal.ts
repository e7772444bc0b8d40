/**
 * A wake-up flag for worker loops: `notify()` before `wait()` is not lost (the
 * next wait returns at once), and a wait also ends after `ms` so a loop can poll.
 */
export class Signal {
  private pending = false;
  private waiters: (() => void)[] = [];

  notify(): void {
    this.pending = true;
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w();
  }

  /** Resolves on the next notify (or a pending one), or after `ms`. */
  wait(ms: number): Promise<void> {
    return Signal.any([this], ms);
  }

  /** Resolves when any of the signals is notified (consuming every pending flag), or after `ms`. */
  static any(signals: readonly Signal[], ms: number): Promise<void> {
    if (signals.some((s) => s.pending)) {
      for (const s of signals) s.pending = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        for (const s of signals) {
          s.pending = false;
          s.waiters = s.waiters.filter((w) => w !== finish);
        }
        resolve();
      };
      const timer = setTimeout(finish, ms);
      for (const s of signals) s.waiters.push(finish);
    });
  }
}
