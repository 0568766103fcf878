package dev.bulwark.cache.impl;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A cached value and the ticker reading until which it is fresh, and whether it was read from
 * Redis (rather than loaded here), for the lookup's span. A null value is "no value": a load
 * returned null, and that is what the cache answers until it expires.
 *
 * <p>The value and times never change. What does change is whether the local tier still holds
 * the entry: {@link #retire} marks it when Caffeine lets go of it (replaced, invalidated, evicted
 * or expired), so that a {@link KeyMemo.Remembered} slot that kept it for direct hits stops
 * serving it, and takes it out of every slot that keeps it. At most {@value #MAX_KEEPERS} slots
 * keep one entry (several methods on one cache and key, several decorations of one service, a
 * slot replaced while another thread used it); a further slot does not keep it and answers
 * through the key. Thread-safe.
 */
final class Entry<V> {
  /** The most slots that keep one entry. */
  static final int MAX_KEEPERS = 4;

  private static final VarHandle KEEPERS;

  static {
    try {
      KEEPERS = MethodHandles.lookup().findVarHandle(Entry.class, "keepers", KeyMemo.Remembered[].class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  final V value;
  final long freshUntil;
  final boolean fromRedis;
  /** Set once, when the local tier no longer holds this entry; never cleared. */
  private volatile boolean retired;
  /** The slots that keep this entry for direct hits, or null; replaced, never changed in place. */
  private volatile KeyMemo.Remembered[] keepers;

  Entry(V value, long freshUntil) {
    this(value, freshUntil, false);
  }

  Entry(V value, long freshUntil, boolean fromRedis) {
    this.value = value;
    this.freshUntil = freshUntil;
    this.fromRedis = fromRedis;
  }

  /** Whether the local tier has let go of this entry. */
  boolean retired() {
    return retired;
  }

  /**
   * Marks this entry as no longer held by the local tier (called by its removal listener) and
   * takes it out of the slots that keep it, so that none keeps its value alive.
   */
  void retire() {
    retired = true;
    KeyMemo.Remembered[] slots = keepers;
    if (slots != null) {
      for (KeyMemo.Remembered slot : slots) {
        slot.forget(this);
      }
    }
  }

  /**
   * Records that {@code slot} keeps this entry (see {@link KeyMemo.Remembered#keep}); false when
   * {@value #MAX_KEEPERS} other slots still do, and this one must not. A full list first drops
   * the slots that no longer keep this entry (a slot of the memo taken over by another argument,
   * one that let go of it), so that slots that come and go within an entry's life do not use up
   * its places. A slot dropped so at the moment it keeps this entry again may go on holding it
   * after it is retired, until its next hit lets go of it: a race of five slots over one entry,
   * which costs memory for a while, never a wrong answer (a retired entry is never served).
   */
  boolean addKeeper(KeyMemo.Remembered slot) {
    while (true) {
      KeyMemo.Remembered[] now = keepers;
      KeyMemo.Remembered[] next;
      if (now == null) {
        next = new KeyMemo.Remembered[] {slot};
      } else {
        for (KeyMemo.Remembered s : now) {
          if (s == slot) {
            return true;
          }
        }
        next = java.util.Arrays.copyOf(now, now.length + 1);
        int n = 0;
        for (KeyMemo.Remembered s : now) {
          if (now.length < MAX_KEEPERS || s.entry() == this) {
            next[n++] = s;
          }
        }
        if (n == MAX_KEEPERS) {
          return false;
        }
        next[n++] = slot;
        next = n == next.length ? next : java.util.Arrays.copyOf(next, n);
      }
      if (KEEPERS.compareAndSet(this, now, next)) {
        return true;
      }
    }
  }
}
