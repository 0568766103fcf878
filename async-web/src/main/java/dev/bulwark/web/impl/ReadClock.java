package dev.bulwark.web.impl;

import io.netty.util.concurrent.FastThreadLocal;

/**
 * When the read being handled on this event loop began: {@link HeaderDeadline}, first in an
 * HTTP/1 connection's pipeline, reads the clock once per read and publishes it here while the
 * read passes through the pipeline, so the request a read completes starts its timing
 * ({@link Exchange#admit}) from that reading instead of a clock read of its own. A clock read is
 * 30-45 ns on these machines, and a {@code /hello} request made four of them before; a request's
 * time now counts from its bytes' arrival, which is also what its client waited.
 *
 * <p>Outside such a read (HTTP/2, a pipelined request started later by its predecessor's end, a
 * server without a header-read timeout) {@link #now} reads the clock. One instance per thread;
 * confined to it.
 */
final class ReadClock {

  private static final FastThreadLocal<ReadClock> OF_THREAD = new FastThreadLocal<>() {
    @Override
    protected ReadClock initialValue() {
      return new ReadClock();
    }
  };

  private long at;
  private boolean reading;

  private ReadClock() {
  }

  /** A read that began at {@code nanos} ({@link System#nanoTime}) enters the pipeline. */
  static ReadClock begin(long nanos) {
    ReadClock clock = OF_THREAD.get();
    clock.at = nanos;
    clock.reading = true;
    return clock;
  }

  /** The read {@link #begin} announced has left the pipeline. */
  void end() {
    reading = false;
  }

  /** The start of the read being handled on this thread, or else the clock's reading. */
  static long now() {
    ReadClock clock = OF_THREAD.getIfExists();
    return clock != null && clock.reading ? clock.at : System.nanoTime();
  }
}
