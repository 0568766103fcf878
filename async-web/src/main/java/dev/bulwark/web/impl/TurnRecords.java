package dev.bulwark.web.impl;

import io.micrometer.core.instrument.Timer;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.FastThreadLocal;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The request timings of one event loop's current turn, applied to their timers together once the
 * turn's I/O is done.
 *
 * <p>Why. Every request of the server ends in one {@code Timer.record} of
 * {@code http.server.requests}, and both event loops record into the same few timers: the
 * histogram bucket, the count and the sum are shared memory written by two cores, so each record
 * pulls their cache lines from the other core (about 260 ns a record with two writers against 80
 * with one, measured on this machine: a few percent of a {@code /hello} request). Applied in a
 * row, one turn's records pay that once.
 *
 * <p>How. The first record of a turn goes to its timer at once and schedules {@link #run} as a
 * task of the event loop; Netty runs tasks after the turn's I/O, so the records that come while
 * the task waits (other connections' requests answered in the same turn) are kept here and applied
 * by it, in order. A request answered alone in its turn, as every request of a lightly loaded
 * server is, is therefore counted before its response leaves, as before; under load a request is
 * counted at the latest at the end of the turn that answered it, a few microseconds after its
 * response was written. The values are the same: every timing is recorded, with its own duration.
 * At most {@link #CAPACITY} wait; a record that finds the buffer full applies it first.
 *
 * <p>Only code on a Vert.x event loop, in a context, is batched; any other thread records at once.
 * Confined to its event-loop thread (one instance per thread, {@link FastThreadLocal}).
 */
final class TurnRecords implements Runnable {

  static final int CAPACITY = 64;

  private static final FastThreadLocal<TurnRecords> OF_THREAD = new FastThreadLocal<>();

  private final EventLoop loop;
  private final Timer[] timers = new Timer[CAPACITY];
  private final long[] nanos = new long[CAPACITY];
  private int size;
  /** A flush task is scheduled: the records until it runs belong to the same turn. */
  private boolean turnOpen;

  private TurnRecords(EventLoop loop) {
    this.loop = loop;
  }

  /** Records {@code amount} nanoseconds in {@code timer}, now or at the end of this turn. */
  static void record(Timer timer, long amount) {
    TurnRecords turn = Context.isOnEventLoopThread() ? current() : null;
    if (turn == null) {
      timer.record(amount, TimeUnit.NANOSECONDS);
    } else {
      turn.add(timer, amount);
    }
  }

  /** This event loop's records, or null outside a context of it. */
  private static TurnRecords current() {
    TurnRecords turn = OF_THREAD.getIfExists();
    if (turn != null) {
      return turn;
    }
    Context context = Vertx.currentContext();
    if (!(context instanceof ContextInternal) || !context.isEventLoopContext()) {
      return null;
    }
    EventLoop loop = ((ContextInternal) context).nettyEventLoop();
    if (loop == null || !loop.inEventLoop()) {
      return null;
    }
    turn = new TurnRecords(loop);
    OF_THREAD.set(turn);
    return turn;
  }

  private void add(Timer timer, long amount) {
    if (!turnOpen) {
      try {
        loop.execute(this);
        turnOpen = true;
      } catch (RejectedExecutionException stopping) {
        // The event loop is shutting down: no end of turn to wait for.
      }
      timer.record(amount, TimeUnit.NANOSECONDS);
      return;
    }
    if (size == CAPACITY) {
      apply();
    }
    timers[size] = timer;
    nanos[size] = amount;
    size++;
  }

  /** The turn's I/O is done: applies what waits, and the next record starts a new turn. */
  @Override
  public void run() {
    turnOpen = false;
    apply();
  }

  private void apply() {
    int n = size;
    size = 0;
    for (int i = 0; i < n; i++) {
      Timer t = timers[i];
      timers[i] = null;
      t.record(nanos[i], TimeUnit.NANOSECONDS);
    }
  }
}
