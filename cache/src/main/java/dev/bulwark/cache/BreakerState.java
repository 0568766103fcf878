package dev.bulwark.cache;

/** The state of the breaker that guards a cache manager's Redis calls. Immutable, thread-safe. */
public enum BreakerState {
  /** Redis answers; calls go through. */
  CLOSED,
  /** Redis failed repeatedly; calls skip it and use the local tier or the loader. */
  OPEN,
  /** The open period ended; a probe is deciding whether to close again. */
  HALF_OPEN,
  /** No Redis is configured; every cache is local. */
  DISABLED
}
