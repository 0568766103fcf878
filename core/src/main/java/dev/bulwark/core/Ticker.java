package dev.bulwark.core;

/**
 * A source of monotonic nanosecond time, injectable so that tests can move time by hand instead
 * of sleeping (as Caffeine's {@code Ticker}).
 *
 * <p>Implementations must be thread-safe; {@link #read()} may be called from any thread.
 */
@FunctionalInterface
public interface Ticker {

  /** Returns the current reading in nanoseconds; only differences between readings mean anything. */
  long read();

  /** The system ticker, {@link System#nanoTime()}; always the same instance. */
  static Ticker system() {
    return SystemTicker.INSTANCE;
  }
}
