package dev.bulwark.cache.impl;

/**
 * A cached value and the ticker reading until which it is fresh. Immutable; the value is never
 * null (null results are not cached).
 */
final class Entry<V> {
  final V value;
  final long freshUntil;

  Entry(V value, long freshUntil) {
    this.value = value;
    this.freshUntil = freshUntil;
  }
}
