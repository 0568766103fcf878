package dev.bulwark.cache.impl;

/**
 * A cached value and the ticker reading until which it is fresh. Immutable. A null value is
 * "no value": a load returned null, and that is what the cache answers until it expires.
 */
final class Entry<V> {
  final V value;
  final long freshUntil;

  Entry(V value, long freshUntil) {
    this.value = value;
    this.freshUntil = freshUntil;
  }
}
