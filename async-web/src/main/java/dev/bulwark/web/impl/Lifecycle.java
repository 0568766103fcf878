package dev.bulwark.web.impl;

import dev.bulwark.web.ServerState;
import java.util.Set;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A server's readiness state, whether it refuses new requests, its count of requests in flight
 * and its open streamed responses. Thread-safe.
 *
 * <p>Implementation note. The state only moves forward (STARTING, READY, DRAINING, STOPPED) and
 * every move is a compare-and-set, so a start that completes after a drain began cannot turn the
 * server READY again. {@link #refusing()} is separate from the state because a drain first
 * only reports DRAINING on {@code /ready} (the drain delay, while the balancer stops sending) and
 * refuses requests after. The in-flight count is kept per thread: each thread that begins or ends
 * requests (the event loops) gets its own pair of counters (begun, ended) on a cache line of its
 * own, found by comparing thread references in a small copy-on-write array, so event loops never
 * write a line another loop writes (a {@code LongAdder} stays on its one shared base field while
 * its updates rarely collide, and that line then moves between cores on every request). The
 * counters are atomic, so a request that begins on one thread and ends on another still counts
 * right. The sum of ended is read before the sum of begun, so the difference is never less than
 * the requests in flight, and exact once no request starts or ends between the two reads, which
 * is what a drain waits for.
 */
final class Lifecycle {

  private final AtomicReference<ServerState> state = new AtomicReference<>(ServerState.STARTING);
  private volatile boolean refusing;
  /** At most this many threads get counters of their own; any other shares {@link #shared}. */
  private static final int MAX_OWNED = 64;

  private volatile Counters[] counters = new Counters[0];
  private final Counters shared = new Counters(null);
  private final Set<Runnable> streams = ConcurrentHashMap.newKeySet();

  ServerState state() {
    return state.get();
  }

  /** STARTING to READY; false when the server left STARTING meanwhile (a drain began). */
  boolean ready() {
    return state.compareAndSet(ServerState.STARTING, ServerState.READY);
  }

  /** STARTING or READY to DRAINING; false when it was draining or stopped already. */
  boolean draining() {
    ServerState s = state.get();
    while (s == ServerState.STARTING || s == ServerState.READY) {
      if (state.compareAndSet(s, ServerState.DRAINING)) {
        return true;
      }
      s = state.get();
    }
    return false;
  }

  /** Any state to STOPPED. */
  void stopped() {
    refusing = true;
    state.set(ServerState.STOPPED);
  }

  /** Whether new requests are answered 503 ({@code Connection: close}) instead of served. */
  boolean refusing() {
    return refusing;
  }

  void refuse() {
    refusing = true;
  }

  /** Requests that started and have not ended (their response written or their connection gone). */
  int inFlight() {
    long end = shared.ended();
    for (Counters c : counters) {
      end += c.ended();
    }
    // Read again: a thread added meanwhile counts its begun requests, never only its ended ones.
    long begin = shared.begun();
    for (Counters c : counters) {
      begin += c.begun();
    }
    return (int) (begin - end);
  }

  void begin() {
    mine().begin();
  }

  void end() {
    mine().end();
  }

  /** The calling thread's counters. */
  private Counters mine() {
    Thread t = Thread.currentThread();
    Counters[] all = counters;
    for (Counters c : all) {
      if (c.owner == t) {
        return c;
      }
    }
    // Once every owned slot is taken (slots are never given back), the others share one pair
    // without taking the lock on every request.
    return all.length >= MAX_OWNED ? shared : add(t);
  }

  private synchronized Counters add(Thread t) {
    Counters[] all = counters;
    for (Counters c : all) {
      if (c.owner == t) {
        return c;
      }
    }
    if (all.length >= MAX_OWNED) {
      return shared;
    }
    Counters c = new Counters(t);
    Counters[] more = Arrays.copyOf(all, all.length + 1);
    more[all.length] = c;
    counters = more;
    return c;
  }

  /**
   * One thread's requests begun and ended. The two counters sit in the middle of a 144-byte array,
   * so no other object's fields share their cache line.
   */
  private static final class Counters {
    private static final int BEGUN = 8;
    private static final int ENDED = 9;

    final Thread owner;
    private final AtomicLongArray cells = new AtomicLongArray(18);

    Counters(Thread owner) {
      this.owner = owner;
    }

    void begin() {
      cells.getAndIncrement(BEGUN);
    }

    void end() {
      cells.getAndIncrement(ENDED);
    }

    long begun() {
      return cells.get(BEGUN);
    }

    long ended() {
      return cells.get(ENDED);
    }
  }

  /**
   * Registers an open streamed response; {@code endAtBoundary} ends it cleanly when the drain
   * grace runs out (it must be safe to call from any thread). Remove it with {@link #streamDone}.
   */
  void streamOpened(Runnable endAtBoundary) {
    streams.add(endAtBoundary);
  }

  void streamDone(Runnable endAtBoundary) {
    streams.remove(endAtBoundary);
  }

  /** Ends every open stream at an item boundary; returns how many there were. */
  int endStreams() {
    int n = 0;
    for (Runnable r : streams) {
      streams.remove(r);
      r.run();
      n++;
    }
    return n;
  }
}
