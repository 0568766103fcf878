package dev.bulwark.cache;

/** Where a cache keeps its entries. Immutable, thread-safe. */
public enum CacheTier {
  /** In this process only (Caffeine): fastest, not shared, lost on restart. */
  LOCAL,
  /** In Redis only: shared by every instance, one network round trip per read. */
  SHARED,
  /**
   * A local tier in front of Redis. Writes and invalidations are published on Redis pub/sub so
   * that every instance drops its local copy of the key.
   */
  TWO_LEVEL
}
