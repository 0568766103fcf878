package dev.bulwark.tasks.impl;

import dev.bulwark.core.Ticker;

/**
 * Epoch milliseconds read from the queue's {@link Ticker}: the wall clock at construction plus
 * the ticker's progress since. With the system ticker this tracks the wall clock (timestamps
 * are shared with other instances through Redis); a test's ticker moves it by hand. Thread-safe.
 */
final class TaskClock {

  private final Ticker ticker;
  private final long epochAtStart;
  private final long tickAtStart;

  TaskClock(Ticker ticker) {
    this.ticker = ticker;
    this.epochAtStart = System.currentTimeMillis();
    this.tickAtStart = ticker.read();
  }

  long nowMillis() {
    return epochAtStart + (ticker.read() - tickAtStart) / 1_000_000L;
  }

  long nanos() {
    return ticker.read();
  }
}
