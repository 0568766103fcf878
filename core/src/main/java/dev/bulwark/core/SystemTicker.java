package dev.bulwark.core;

/** {@link Ticker#system()}: one instance, so that callers can tell the default from an injected ticker. */
enum SystemTicker implements Ticker {
  INSTANCE;

  @Override
  public long read() {
    return System.nanoTime();
  }
}
