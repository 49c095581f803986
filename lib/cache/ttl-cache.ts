interface Entry<V> {
  value: V;
  freshUntil: number;
  staleUntil: number;
}

/**
 * A bounded in-process cache with stale-while-revalidate: a fresh entry is served as is, a
 * stale one is still served while a refresh runs. The oldest entries go first when it is full.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, Entry<V>>();

  constructor(private readonly maxEntries: number) {}

  get(key: string, now = Date.now()): { value: V; fresh: boolean } | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.staleUntil <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return { value: entry.value, fresh: entry.freshUntil > now };
  }

  set(key: string, value: V, freshMs: number, staleMs: number, now = Date.now()): void {
    this.entries.delete(key);
    this.entries.set(key, { value, freshUntil: now + freshMs, staleUntil: now + Math.max(freshMs, staleMs) });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  /** Drops every entry `drop` picks. */
  deleteWhere(drop: (key: string, value: V) => boolean): void {
    for (const [key, entry] of this.entries) if (drop(key, entry.value)) this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
