// Remembers which alert notifications a sink already took, so Alertmanager's re-deliveries
// (the whole group again at the next group_interval) are not forwarded twice within a TTL.
// In memory and per instance: a restart forgets, and then a sink's own idempotency
// (PagerDuty's dedup_key) is the backstop.
export interface DeliveryRecordOptions {
  ttlMs: number;
  maxEntries: number;
  now: () => number;
}

export class DeliveryRecord {
  private readonly seen = new Map<string, number>();
  private readonly o: DeliveryRecordOptions;

  constructor(o: DeliveryRecordOptions) {
    this.o = o;
  }

  has(key: string): boolean {
    const at = this.seen.get(key);
    if (at === undefined) return false;
    if (this.o.now() - at > this.o.ttlMs) {
      this.seen.delete(key);
      return false;
    }
    return true;
  }

  add(key: string): void {
    this.seen.delete(key);
    this.seen.set(key, this.o.now());
    // Map keeps insertion order: the first entries are the oldest.
    while (this.seen.size > this.o.maxEntries) this.seen.delete(this.seen.keys().next().value!);
  }

  get size(): number {
    return this.seen.size;
  }
}
