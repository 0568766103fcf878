package dev.bulwark.web.impl;

import dev.bulwark.web.ServerState;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A server's readiness state and its count of requests in flight. Thread-safe: the state is
 * volatile, the count atomic; event loops read and update both.
 */
public final class Lifecycle {

  private volatile ServerState state = ServerState.STARTING;
  private final AtomicInteger inFlight = new AtomicInteger();

  public ServerState state() {
    return state;
  }

  public void state(ServerState state) {
    this.state = state;
  }

  /** Requests that started and have not ended (their response written or their connection gone). */
  public int inFlight() {
    return inFlight.get();
  }

  void begin() {
    inFlight.incrementAndGet();
  }

  void end() {
    inFlight.decrementAndGet();
  }
}
