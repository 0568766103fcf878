package dev.bulwark.cache.impl;

import dev.bulwark.cache.Keys;
import java.util.UUID;

/**
 * The recently encoded keys of one cached method whose key is a single argument of an immutable
 * value type, by argument value, so that a hit reuses the key {@code String} instead of encoding a
 * new one per call. The reused string has its hash already computed and is the very instance the
 * local tier holds (the load stored it), so the lookup's {@code equals} is an identity check.
 *
 * <p>Implementation note. A direct-mapped table of {@value #SLOTS} immutable (argument, key)
 * pairs; a new argument replaces whatever pair its slot held. Only types whose {@code equals}
 * agrees with {@link Keys#of} and whose instances cannot change are remembered (decided once, from
 * the parameter's declared type): with a mutable argument (a list) a remembered pair could
 * outlive the value it was encoded from. Strings longer than {@link Keys#MAX_PLAIN_LENGTH} are
 * encoded each time, so the table never holds large arguments. Benign race: slots are read and
 * written without synchronization; a reader sees null, an older pair or a newer one, each a whole
 * immutable pair (final fields), and at worst encodes a key that was remembered a moment ago.
 * Thread-safe.
 */
final class KeyMemo {

  /** Pairs remembered per method; a power of two. */
  static final int SLOTS = 1024;

  private final Pair[] slots = new Pair[SLOTS];

  private KeyMemo() {
  }

  /** A memo for a key argument declared as {@code type}, or null when that type may not have one. */
  static KeyMemo forType(Class<?> type) {
    boolean immutableValue = type.isPrimitive() || type.isEnum() || type == String.class
        || type == Long.class || type == Integer.class || type == Short.class || type == Byte.class
        || type == Character.class || type == Boolean.class || type == Double.class
        || type == Float.class || type == UUID.class;
    return immutableValue ? new KeyMemo() : null;
  }

  /** {@code Keys.of(arg)}, remembered. */
  String key(Object arg) {
    if (arg == null) {
      return Keys.of(null);
    }
    int h = arg.hashCode();
    int i = (h ^ (h >>> 16)) & (SLOTS - 1);
    Pair p = slots[i];
    if (p != null && p.arg.equals(arg)) {
      return p.key;
    }
    String key = Keys.of(arg);
    if (!(arg instanceof String) || ((String) arg).length() <= Keys.MAX_PLAIN_LENGTH) {
      slots[i] = new Pair(arg, key);
    }
    return key;
  }

  private static final class Pair {
    final Object arg;
    final String key;

    Pair(Object arg, String key) {
      this.arg = arg;
      this.key = key;
    }
  }
}
