/** Manual timers and clock for the stapler tests: time moves only when the test says so. */
export class FakeClock {
  now = Date.now();
  #tasks: Array<{ id: number; at: number; fn: () => void }> = [];
  #next = 1;

  readonly clock = (): number => this.now;
  readonly timers = {
    setTimeout: (fn: () => void, ms: number): unknown => {
      const id = this.#next++;
      this.#tasks.push({ id, at: this.now + ms, fn });
      return id;
    },
    clearTimeout: (id: unknown): void => {
      this.#tasks = this.#tasks.filter((t) => t.id !== id);
    },
  };

  get pending(): number {
    return this.#tasks.length;
  }

  /** Earliest scheduled instant, if any. */
  get nextAt(): number | undefined {
    return this.#tasks.reduce<number | undefined>((m, t) => (m === undefined || t.at < m ? t.at : m), undefined);
  }

  /** Move time forward by `ms`, firing due tasks in order; `settle` runs after each so async work can finish. */
  async advance(ms: number, settle: () => Promise<void>): Promise<void> {
    const end = this.now + ms;
    for (;;) {
      this.#tasks.sort((a, b) => a.at - b.at);
      const t = this.#tasks[0];
      if (!t || t.at > end) break;
      this.#tasks.shift();
      this.now = Math.max(this.now, t.at);
      t.fn();
      await settle();
    }
    this.now = end;
  }
}
