package dev.bulwark.cache.impl;

/**
 * A cached value and the ticker reading until which it is fresh, and whether it was read from
 * Redis (rather than loaded here), for the lookup's span. Immutable. A null value is "no value": a
 * load returned null, and that is what the cache answers until it expires.
 */
final class Entry<V> {
  final V value;
  final long freshUntil;
  final boolean fromRedis;

  Entry(V value, long freshUntil) {
    this(value, freshUntil, false);
  }

  Entry(V value, long freshUntil, boolean fromRedis) {
    this.value = value;
    this.freshUntil = freshUntil;
    this.fromRedis = fromRedis;
  }
}
