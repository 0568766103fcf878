package dev.bulwark.cache.impl;

import dev.bulwark.cache.BreakerState;
import dev.bulwark.core.Ticker;

/**
 * Consecutive-failure breaker around Redis calls.
 *
 * <p>Implementation note: CLOSED counts consecutive failures and opens at the threshold. OPEN
 * denies calls until {@code openUntil}; the first call after that becomes the single probe
 * (HALF_OPEN denies everyone else). The probe's success closes the breaker and runs
 * {@code onClose} first (which drops local entries that may have missed invalidations); its failure
 * reopens it. A plain monitor guards the state: it is taken once per Redis call, never on a local
 * hit. A late result from a call admitted earlier may move the state too; that race is benign, as
 * any answer from Redis is evidence about its health.
 *
 * <p>Thread-safe; {@code onClose} runs on the thread that reported the success, outside the lock.
 */
final class Breaker {

  private final int threshold;
  private final long openNanos;
  private final Ticker ticker;
  private final Runnable onClose;

  private BreakerState state = BreakerState.CLOSED;
  private int failures;
  private long openUntil;
  private String lastFailure = "";
  private boolean closing;

  Breaker(int threshold, long openNanos, Ticker ticker, Runnable onClose) {
    this.threshold = threshold;
    this.openNanos = openNanos;
    this.ticker = ticker;
    this.onClose = onClose;
  }

  /** Whether a call may go to Redis now; true makes the caller the probe when the open period ended. */
  synchronized boolean tryAcquire() {
    switch (state) {
      case CLOSED:
        return true;
      case OPEN:
        if (ticker.read() - openUntil >= 0) {
          state = BreakerState.HALF_OPEN;
          return true;
        }
        return false;
      default:
        return false;
    }
  }

  /** Whether calls currently go to Redis, without claiming the probe. */
  synchronized boolean isClosed() {
    return state == BreakerState.CLOSED;
  }

  void onSuccess() {
    synchronized (this) {
      failures = 0;
      if (state == BreakerState.CLOSED || closing) {
        return;
      }
      closing = true;
    }
    // Local entries are dropped before the state says CLOSED, so no one sees CLOSED with them.
    try {
      onClose.run();
    } finally {
      synchronized (this) {
        closing = false;
        state = BreakerState.CLOSED;
      }
    }
  }

  synchronized void onFailure(String why) {
    failures++;
    lastFailure = why;
    if (state == BreakerState.HALF_OPEN || (state == BreakerState.CLOSED && failures >= threshold)) {
      state = BreakerState.OPEN;
      openUntil = ticker.read() + openNanos;
    }
  }

  /** Opens at once, as when the client could not even be created. */
  synchronized void forceOpen(String why) {
    failures = Math.max(failures, threshold);
    lastFailure = why;
    state = BreakerState.OPEN;
    openUntil = ticker.read() + openNanos;
  }

  synchronized BreakerState state() {
    return state;
  }

  synchronized String describe() {
    return "redis breaker " + state + (state == BreakerState.CLOSED ? "" : " after " + failures
        + " failures, last: " + lastFailure);
  }
}
