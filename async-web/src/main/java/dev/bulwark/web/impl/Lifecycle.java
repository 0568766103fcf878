package dev.bulwark.web.impl;

import dev.bulwark.web.ServerState;
import java.util.concurrent.atomic.LongAdder;

/**
 * A server's readiness state and its count of requests in flight. Thread-safe: the state is
 * volatile; the count is two striped adders (begun, ended), so event loops counting requests do
 * not contend on one cache line. Their difference is exact once no request starts or ends
 * between the two reads, which is what a drain waits for.
 */
public final class Lifecycle {

  private volatile ServerState state = ServerState.STARTING;
  private final LongAdder begun = new LongAdder();
  private final LongAdder ended = new LongAdder();

  public ServerState state() {
    return state;
  }

  public void state(ServerState state) {
    this.state = state;
  }

  /** Requests that started and have not ended (their response written or their connection gone). */
  public int inFlight() {
    long end = ended.sum();
    return (int) (begun.sum() - end);
  }

  void begin() {
    begun.increment();
  }

  void end() {
    ended.increment();
  }
}
