package dev.bulwark.examples.shop;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.function.Supplier;

/**
 * What a start has built so far, to close when a later step fails: each resource's closer is
 * added as the resource is built, and {@link #fail} closes them in reverse order, each once the
 * one before has ended, then reports the original failure. Used by one starting thread at a time
 * (the caller's, then the context that completes the start); {@link #once} closers may be called
 * from any thread.
 */
final class StartUndo {

  private final Deque<Supplier<Future<?>>> closers = new ArrayDeque<>();

  /**
   * Adds the closer of what was just built, made {@link #once}, and returns it: a drain that is
   * also to close the resource takes the same closer, so whichever comes second waits for the
   * first instead of closing twice.
   */
  Supplier<Future<?>> add(Supplier<Future<?>> closer) {
    Supplier<Future<?>> once = once(closer);
    closers.push(once);
    return once;
  }

  /**
   * Closes everything added, last first, then fails with {@code cause}; a closer that throws or
   * fails is added to it with {@code addSuppressed} and the rest still run. The future belongs to
   * no context, so its failure is delivered even when one of the closers closed Vert.x.
   */
  <T> Future<T> fail(Throwable cause) {
    Promise<T> failed = Promise.promise();
    closeNext(closers.iterator(), cause, failed);
    return failed.future();
  }

  /**
   * The outcome of the start's last, asynchronous steps: {@code start}'s value, or, when it fails,
   * its failure once everything added is closed (as {@link #fail}). On no context, as there.
   */
  <T> Future<T> closeIfFailed(Future<T> start) {
    Promise<T> outcome = Promise.promise();
    start.onComplete(ar -> {
      if (ar.succeeded()) {
        outcome.complete(ar.result());
      } else {
        closeNext(closers.iterator(), ar.cause(), outcome);
      }
    });
    return outcome.future();
  }

  private static <T> void closeNext(Iterator<Supplier<Future<?>>> rest, Throwable cause,
      Promise<T> failed) {
    if (!rest.hasNext()) {
      failed.fail(cause);
      return;
    }
    Future<?> closed;
    try {
      closed = rest.next().get();
    } catch (RuntimeException e) {
      closed = Future.failedFuture(e);
    }
    closed.onComplete(ar -> {
      if (ar.failed()) {
        cause.addSuppressed(ar.cause());
      }
      closeNext(rest, cause, failed);
    });
  }

  /** {@code closer}, called at most once: later calls return the first call's future. */
  static Supplier<Future<?>> once(Supplier<Future<?>> closer) {
    return new Supplier<>() {
      private Future<?> closed;

      @Override
      public synchronized Future<?> get() {
        if (closed == null) {
          closed = closer.get();
        }
        return closed;
      }
    };
  }
}
