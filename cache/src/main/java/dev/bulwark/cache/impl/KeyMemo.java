package dev.bulwark.cache.impl;

import dev.bulwark.cache.Keys;
import java.util.UUID;

/**
 * The recently encoded keys of one cached method whose key is a single argument of an immutable
 * value type, by argument value, so that a hit reuses the key {@code String} instead of encoding a
 * new one per call. The reused string has its hash already computed and is the very instance the
 * local tier holds (the load stored it), so the lookup's {@code equals} is an identity check.
 * {@link OfLong} does the same for a {@code long} or {@code int} parameter without boxing it.
 * Each slot also keeps the local entry that the last hit through its key found, so that the next
 * hit of the same argument needs no lookup at all ({@link Remembered}).
 *
 * <p>Implementation note. A direct-mapped table of {@value #SLOTS} (argument, key) pairs, whose
 * argument and key never change; a new argument replaces whatever pair its slot held. The slot ({@link #slot}) adds up the
 * hash's 10-bit digits: a range of consecutive ids (the common key) up to a few shorter than the
 * table takes as many slots (crossing a multiple of 1,024 moves the slots on by at most 3), and
 * ids that differ only above the low digit (multiples of 1,024) still spread, where the low bits
 * alone put them all in one slot. Only types whose {@code equals}
 * agrees with {@link Keys#of} and whose instances cannot change are remembered (decided once, from
 * the parameter's declared type): with a mutable argument (a list) a remembered pair could
 * outlive the value it was encoded from. Strings longer than {@link Keys#MAX_PLAIN_LENGTH} are
 * encoded each time, so the table never holds large arguments. Benign race: slots are read and
 * written without synchronization; a reader sees null, an older pair or a newer one, each a whole
 * pair (its argument and key are final fields), and at worst encodes a key that was remembered a
 * moment ago.
 * Thread-safe.
 */
final class KeyMemo {

  /** Pairs remembered per method; a power of two. */
  static final int SLOTS = 1024;

  private static final int BITS = Integer.numberOfTrailingZeros(SLOTS);

  private final Pair[] slots = new Pair[SLOTS];

  private KeyMemo() {
  }

  /**
   * A memo for a key argument declared as {@code type}, or null when that type may not have one
   * (or, {@code long} and {@code int}, has an {@link OfLong} instead).
   */
  static KeyMemo forType(Class<?> type) {
    boolean immutableValue = type == short.class || type == byte.class || type == char.class
        || type == boolean.class || type == double.class || type == float.class || type.isEnum()
        || type == String.class || type == Long.class || type == Integer.class || type == Short.class
        || type == Byte.class || type == Character.class || type == Boolean.class || type == Double.class
        || type == Float.class || type == UUID.class;
    return immutableValue ? new KeyMemo() : null;
  }

  /**
   * The slot of an argument whose hash is {@code hash}: the sum of its digits of {@code log2(SLOTS)}
   * bits, modulo {@code SLOTS}. A multiplicative mix (golden ratio, top bits) spreads strides as
   * well, but it shares slots among 110 of the ids 0..999, which then evict each other on every
   * pass; measured, that cost more than the boxing this memo saves.
   */
  static int slot(int hash) {
    return (hash + (hash >>> BITS) + (hash >>> 2 * BITS) + (hash >>> 3 * BITS)) & (SLOTS - 1);
  }

  /**
   * The slot that remembers {@code Keys.of(arg)}, or null for an argument not remembered (null, or
   * a string longer than {@link Keys#MAX_PLAIN_LENGTH}).
   */
  Remembered remembered(Object arg) {
    if (arg == null) {
      return null;
    }
    int i = slot(arg.hashCode());
    Pair p = slots[i];
    if (p != null && p.arg.equals(arg)) {
      return p;
    }
    if (arg instanceof String && ((String) arg).length() > Keys.MAX_PLAIN_LENGTH) {
      return null;
    }
    p = new Pair(arg, Keys.of(arg));
    slots[i] = p;
    return p;
  }

  /**
   * A remembered key, and the local entry that the last hit through the key found, while the local
   * tier holds that entry, so that the next hit of the same argument is served from here without
   * looking the key up ({@code DefaultCache.freshLocal(Remembered)}).
   *
   * <p>Implementation note. {@code entry} is volatile (a plain load on x86): a reader sees null,
   * an entry a hit kept, or none after {@link #forget}. A reader serves the entry only while it
   * is not {@link Entry#retired} and fresh, so a slot never answers for an entry the local tier
   * has let go of once Caffeine's {@code invalidate} or {@code put} has returned (the removal
   * listener retires it on the removing thread; while a {@code put} runs, one thread may read the
   * new value through the key and another the old one from its slot). Who retires an entry also
   * takes it out of the slots that keep it (for memory: a slot could otherwise keep a large value
   * that the tier evicted): {@link #keep} writes {@code entry}, makes this slot one of the
   * entry's keepers, then reads {@link Entry#retired}; {@link Entry#retire} writes that flag,
   * then reads the keepers and each one's {@code entry}. All of these are volatile, so at least
   * one side sees the other's write and the slot lets go. A reader that finds its slot's entry
   * retired lets go of it too. Two threads may race on {@code entry} ({@code forget} of an old
   * entry against {@code keep} of a new one): the slot then holds nothing, and the next hit goes
   * through the key and keeps the entry again. Thread-safe.
   */
  static class Remembered {
    final String key;
    private volatile Entry<?> entry;

    Remembered(String key) {
      this.key = key;
    }

    /** The entry kept for a direct hit, or null; the caller checks that it is neither retired nor stale. */
    Entry<?> entry() {
      return entry;
    }

    /**
     * Keeps {@code e}, a fresh entry the local tier holds for {@link #key}, for direct hits,
     * unless {@link Entry#MAX_KEEPERS} other slots keep it already.
     */
    void keep(Entry<?> e) {
      entry = e;
      if (!e.addKeeper(this) || e.retired()) {
        forget(e);
      }
    }

    /** Drops {@code e} if it is the entry kept here. */
    void forget(Entry<?> e) {
      if (entry == e) {
        entry = null;
      }
    }
  }

  /** A remembered key and the argument it was encoded from. */
  private static final class Pair extends Remembered {
    final Object arg;

    Pair(Object arg, String key) {
      super(key);
      this.arg = arg;
    }
  }

  /**
   * The memo of a {@code long} or {@code int} key argument (an {@code int} widened), held as a
   * primitive: a hit allocates nothing, where {@link KeyMemo} needs the argument boxed. Its key is
   * {@code Keys.of} of the boxed argument ({@code Long} or {@code Integer}, as declared), so the
   * entries are those of the boxed twin. Same size, slot and benign race as {@link KeyMemo}, with
   * the value itself in the pair; the slot is that of the boxed {@code Long}'s hash. Thread-safe.
   */
  static final class OfLong {
    private final LongPair[] slots = new LongPair[SLOTS];
    private final boolean ints;

    private OfLong(boolean ints) {
      this.ints = ints;
    }

    /** A memo for a key argument declared as {@code type}, or null unless it is {@code long} or {@code int}. */
    static OfLong forType(Class<?> type) {
      return type == long.class || type == int.class ? new OfLong(type == int.class) : null;
    }

    /** {@code Keys.of} of the argument {@code value} (as an {@code Integer} for an {@code int} one), remembered. */
    String key(long value) {
      return remembered(value).key;
    }

    /**
     * The slot that remembers the key of the argument {@code value}. The miss is out of line, so
     * that the hit stays small enough to be inlined.
     */
    Remembered remembered(long value) {
      int i = slot(Long.hashCode(value));
      LongPair p = slots[i];
      return p != null && p.value == value ? p : remember(i, value);
    }

    private LongPair remember(int i, long value) {
      LongPair p = new LongPair(value, Keys.of(box(value)));
      slots[i] = p;
      return p;
    }

    /** The argument {@code value} boxed as declared: an {@code Integer} for an {@code int}, else a {@code Long}. */
    Object box(long value) {
      return ints ? (Object) Integer.valueOf((int) value) : Long.valueOf(value);
    }

    /** A remembered key and the value it was encoded from. */
    private static final class LongPair extends Remembered {
      final long value;

      LongPair(long value, String key) {
        super(key);
        this.value = value;
      }
    }
  }
}
