package dev.bulwark.core;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A {@link Ticker} for hot paths that only need millisecond precision, such as TTL checks on a
 * cache hit: {@link #read()} is a few volatile loads (and at most one write a tick) instead of a {@link System#nanoTime()} call
 * (about 25 ns on virtual machines, the largest part of a Caffeine lookup). One shared daemon thread,
 * {@code bulwark-coarse-ticker}, stores {@code System.nanoTime()} every {@value #RESOLUTION_MILLIS}
 * ms while at least one handle is open; it stops when the last handle is closed and starts again
 * with the next {@link #acquire()}.
 *
 * <p>A reading lags {@code System.nanoTime()} by at most the resolution plus however long the
 * updater waits for a CPU (more on a saturated machine); it never runs ahead of it. A closed handle
 * reads {@code System.nanoTime()} directly, so code that outlives its owner still sees time pass.
 * Thread-safe.
 *
 * <p>Implementation note: the updater rests while nobody reads. Waking a thousand times a second
 * costs a few percent of a core (a context switch each), which a service pays all day for a cache
 * that is idle, or only written. So a read marks the tick as used (a plain check, and a write at
 * most once a tick), and after {@value #IDLE_TICKS} ticks in a row that nobody read, the updater
 * stores {@link #RESTING} in place of the time and parks until woken. A read that finds
 * {@code RESTING} takes {@code System.nanoTime()} itself; the one reader that wins the swap back
 * stores a fresh time first and then wakes the updater. A resting updater therefore costs the
 * first readers one {@code nanoTime()} each, never a stale reading.
 */
public final class CoarseTicker implements Ticker, AutoCloseable {

  /** How often the shared reading is refreshed. */
  public static final long RESOLUTION_MILLIS = 1;

  /** Ticks in a row without a read after which the updater rests until the next read. */
  static final int IDLE_TICKS = 100;

  /**
   * Stored in place of the time while the updater rests. Not a time {@code System.nanoTime()}
   * returns in practice (it is 292 years away from any origin the JVM picks).
   */
  private static final long RESTING = Long.MIN_VALUE;

  private static final AtomicLong NOW = new AtomicLong(System.nanoTime());

  private static final Object LOCK = new Object();
  /** Whether a reader used the current tick; cleared by the updater at each tick. */
  private static volatile boolean used;
  private static volatile Thread updater;
  private static int holders;

  private volatile boolean open = true;

  private CoarseTicker() {
  }

  /** Opens a handle, starting the shared updater if no other handle is open. */
  public static CoarseTicker acquire() {
    synchronized (LOCK) {
      if (holders++ == 0) {
        NOW.set(System.nanoTime());
        Thread t = new Thread(CoarseTicker::update, "bulwark-coarse-ticker");
        t.setDaemon(true);
        updater = t;
        t.start();
      }
    }
    return new CoarseTicker();
  }

  /** Whether the shared updater thread is running (for tests and diagnostics). */
  public static boolean running() {
    Thread t = updater;
    return t != null && t.isAlive();
  }

  /** Whether the shared updater rests for lack of readers (for tests and diagnostics). */
  static boolean resting() {
    return NOW.get() == RESTING;
  }

  private static void update() {
    Thread me = Thread.currentThread();
    long tick = TimeUnit.MILLISECONDS.toNanos(RESOLUTION_MILLIS);
    int unread = 0;
    while (updater == me) {
      long previous = NOW.get();
      if (previous == RESTING) {
        // Resting: a reader stores a fresh time and unparks us; a spurious wake parks again.
        LockSupport.park(CoarseTicker.class);
        continue;
      }
      if (used) {
        used = false;
        unread = 0;
      } else if (++unread >= IDLE_TICKS) {
        unread = 0;
        NOW.compareAndSet(previous, RESTING); // readers only replace RESTING: the CAS never clobbers theirs
        continue;
      }
      NOW.compareAndSet(previous, System.nanoTime());
      LockSupport.parkNanos(tick);
    }
  }

  /** The current time for a reader that found the updater resting; wakes it once. */
  private static long wake() {
    long t = System.nanoTime();
    if (NOW.compareAndSet(RESTING, t)) {
      used = true;
      LockSupport.unpark(updater);
    }
    return t;
  }

  @Override
  public long read() {
    if (!open) {
      return System.nanoTime();
    }
    long t = NOW.get();
    if (t == RESTING) {
      return wake();
    }
    if (!used) {
      used = true;
    }
    return t;
  }

  /** Closes this handle (idempotent); the updater stops when the last open handle closes. */
  @Override
  public void close() {
    synchronized (LOCK) {
      if (!open) {
        return;
      }
      open = false;
      if (--holders == 0) {
        Thread t = updater;
        updater = null;
        LockSupport.unpark(t);
      }
    }
  }
}
