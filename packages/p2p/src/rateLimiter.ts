export interface RateLimit {
  /** Burst size: requests allowed back to back. */
  capacity: number;
  /** Sustained rate. */
  refillPerSecond: number;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
}

/**
 * One token bucket per key (peer + method). Buckets refill lazily on use, so idle peers cost nothing
 * but their map entry, which `prune` removes once the bucket would be full again.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly now: () => number = Date.now) {}

  tryTake(key: string, limit: RateLimit, cost = 1): boolean {
    const t = this.now();
    let b = this.buckets.get(key);
    if (b === undefined) {
      b = { tokens: limit.capacity, updatedMs: t };
      this.buckets.set(key, b);
    } else {
      b.tokens = Math.min(limit.capacity, b.tokens + ((t - b.updatedMs) / 1000) * limit.refillPerSecond);
      b.updatedMs = t;
    }
    if (b.tokens < cost) return false;
    b.tokens -= cost;
    return true;
  }

  /** Forgets every bucket of keys starting with `prefix` (a disconnected peer). */
  forget(prefix: string): void {
    for (const k of this.buckets.keys()) if (k.startsWith(prefix)) this.buckets.delete(k);
  }

  get size(): number {
    return this.buckets.size;
  }
}
