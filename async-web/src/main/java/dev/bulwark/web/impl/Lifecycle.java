package dev.bulwark.web.impl;

import dev.bulwark.web.ServerState;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * A server's readiness state, whether it refuses new requests, its count of requests in flight
 * and its open streamed responses. Thread-safe.
 *
 * <p>Implementation note. The state only moves forward (STARTING, READY, DRAINING, STOPPED) and
 * every move is a compare-and-set, so a start that completes after a drain began cannot turn the
 * server READY again. {@link #refusing()} is separate from the state because a drain first
 * only reports DRAINING on {@code /ready} (the drain delay, while the balancer stops sending) and
 * refuses requests after. The in-flight count is two striped adders (begun, ended), so event loops
 * counting requests do not contend on one cache line; their difference is exact once no request
 * starts or ends between the two reads, which is what a drain waits for.
 */
final class Lifecycle {

  private final AtomicReference<ServerState> state = new AtomicReference<>(ServerState.STARTING);
  private volatile boolean refusing;
  private final LongAdder begun = new LongAdder();
  private final LongAdder ended = new LongAdder();
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
    long end = ended.sum();
    return (int) (begun.sum() - end);
  }

  void begin() {
    begun.increment();
  }

  void end() {
    ended.increment();
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
