package dev.bulwark.core.internal;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.streams.ReadStream;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ReadStream} fed by a blocking producer (a JDBC cursor, an {@code Iterator}, a
 * {@code java.util.stream.Stream}) with backpressure. Cross-module plumbing; not an API.
 *
 * <p>Implementation note. Two sides. The <em>producer</em> is one task run on a worker (through
 * the {@code runner} given at construction): before reading a chunk it waits for room
 * ({@link #awaitRoom}, two permits: at most two chunks wait in memory), then hands the chunk over
 * with {@link #offer}, which moves it to the context. The <em>emitter</em> ({@link ChunkEmitter})
 * lives on the stream's context only: it holds the chunks, emits items while there is demand
 * ({@code pause}/{@code resume}/{@code fetch}), and gives a permit back each time it has emitted a
 * whole chunk. A paused consumer therefore stops the producer after at most two chunks, whatever
 * its speed. {@link #cancel} sets a volatile flag and releases a permit, so a waiting producer
 * wakes, sees it and returns; the subclass then closes its resource. Items start flowing when a
 * handler is set. Handlers run on the context given at construction.
 *
 * @param <T> the item type
 */
public abstract class ChunkedReadStream<T> extends ChunkEmitter<T> {

  private static final Logger LOG = LoggerFactory.getLogger(ChunkedReadStream.class);

  private final Function<Callable<Void>, Future<Void>> runner;
  private volatile boolean cancelled;

  // Only touched on the context.
  private boolean started;
  private boolean producerDone;

  /**
   * @param context where handlers run
   * @param runner runs the producer on a worker thread, e.g. {@code pool::submit}
   */
  protected ChunkedReadStream(Context context, Function<Callable<Void>, Future<Void>> runner) {
    super(context, 2);
    this.runner = runner;
  }

  /**
   * Produces every item: for each chunk, {@link #awaitRoom()} (stop when it returns false), then
   * {@link #offer}. Runs on a worker thread; must release its resources before returning, also
   * when cancelled or failing.
   */
  protected abstract void produce() throws Exception;

  /** Waits for room for one more chunk; false once the stream was cancelled. */
  protected final boolean awaitRoom() throws InterruptedException {
    while (!cancelled) {
      if (room.tryAcquire(100, TimeUnit.MILLISECONDS)) {
        return !cancelled;
      }
    }
    return false;
  }

  /** Hands a chunk (not empty) to the emitter; call once per {@link #awaitRoom()} that succeeded. */
  protected final void offer(List<T> chunk) {
    context.runOnContext(v -> accept(chunk));
  }

  /** Whether {@link #cancel()} was called. */
  @Override
  protected final boolean isCancelled() {
    return cancelled;
  }

  @Override
  protected final boolean sourceDone() {
    return producerDone;
  }

  /** Stops producing and emitting; the producer returns (and releases its resources) promptly. */
  public void cancel() {
    cancelled = true;
    room.release();
  }

  @Override
  public ReadStream<T> handler(Handler<T> handler) {
    this.handler = handler;
    if (handler != null && !started) {
      started = true;
      Future<Void> run;
      try {
        run = runner.apply(() -> {
          produce();
          return null;
        });
      } catch (RuntimeException e) {
        run = Future.failedFuture(e);
      }
      run.onComplete(ar -> {
        if (ar.failed()) {
          fail(ar.cause());
        } else if (!cancelled) {
          context.runOnContext(v -> {
            producerDone = true;
            drain();
          });
        }
      });
    }
    return this;
  }

  private void fail(Throwable t) {
    context.runOnContext(v -> {
      if (!finishFailed()) {
        return;
      }
      Handler<Throwable> h = exceptionHandler;
      if (h != null) {
        h.handle(t);
      } else if (!cancelled) {
        LOG.warn("stream failed and has no exception handler", t);
      }
    });
  }
}
