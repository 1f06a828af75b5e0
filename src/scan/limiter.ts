/**
 * The one place that caps concurrent connections per endpoint (address and
 * port): every unit of network work passes through {@link EndpointLimiter.run}.
 */
export const DEFAULT_CONNECTIONS_PER_ENDPOINT = 4;

export class EndpointLimiter {
  readonly max: number;
  #active = new Map<string, number>();
  #waiting = new Map<string, Array<() => void>>();

  constructor(max = DEFAULT_CONNECTIONS_PER_ENDPOINT) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError('the per-endpoint connection cap must be a positive integer');
    this.max = max;
  }

  /** Run `work` once fewer than `max` units hold a connection to `key`. */
  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    if ((this.#active.get(key) ?? 0) >= this.max) {
      await new Promise<void>((resolve) => {
        const q = this.#waiting.get(key) ?? [];
        q.push(resolve);
        this.#waiting.set(key, q);
      });
    }
    this.#active.set(key, (this.#active.get(key) ?? 0) + 1);
    try {
      return await work();
    } finally {
      const n = (this.#active.get(key) ?? 1) - 1;
      const next = this.#waiting.get(key)?.shift();
      if (next) {
        this.#active.set(key, n);
        next();
      } else if (n === 0) this.#active.delete(key);
      else this.#active.set(key, n);
      if (this.#waiting.get(key)?.length === 0) this.#waiting.delete(key);
    }
  }

  /** Connections currently open to `key` (for tests). */
  active(key: string): number {
    return this.#active.get(key) ?? 0;
  }
}
