package dev.bulwark.web.impl;

import dev.bulwark.core.RejectedTaskException;
import dev.bulwark.core.WorkerPool;
import dev.bulwark.core.internal.ChunkEmitter;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.streams.ReadStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A blocking {@link Iterator} (or a {@code java.util.stream.Stream}'s) pulled on a worker pool in
 * chunks, with backpressure, holding a worker slot only while there is room for what it reads.
 * Handlers run on the context given at construction; not thread-safe otherwise.
 *
 * <p>Implementation note. A <em>pull</em> is one task on the pool: it reads chunks while there is
 * room for one more ({@link #MAX_CHUNKS} wait in memory at most) and hands each to the context,
 * then returns, giving its slot back. A chunk is handed over when it holds {@link #CHUNK} items or
 * when 5 ms have passed since it began, so a slow source (an event every 100 ms) is not held back
 * waiting for a full chunk. The emitter on the context ({@link ChunkEmitter}) gives room back each
 * time it has emitted a whole chunk and, when no pull is running, submits the next one. So a
 * consumer that pauses (a client whose socket is full) holds no worker slot at all, only its two
 * chunks: slow clients cannot take every thread of the pool from the blocking routes. At most one
 * pull runs at a time ({@code pulling}, set on submit and cleared on its completion, both on the
 * context), so the iterator is only ever touched by one thread, and chunks (sent with
 * {@code runOnContext} before the pull's completion is) always arrive before the pull that read
 * them is seen to end.
 *
 * <p>A pull the pool turns away fails the stream if nothing was emitted yet (the response is still
 * a normal 503); later, the stream has begun and the client already waited its turn once, so the
 * pull is tried again after {@link #RETRY_MILLIS}. {@code onClose} runs exactly once (claimed
 * through {@code closed}) on a worker thread: by the pull that reached the end or failed, or, once
 * no pull runs, when the stream was cancelled or its first pull was turned away.
 */
final class IteratorStream<T> extends ChunkEmitter<T> {

  static final int CHUNK = 256;
  static final int MAX_CHUNKS = 2;
  static final long RETRY_MILLIS = 20;
  private static final long MAX_CHUNK_WAIT_NANOS = 5_000_000;

  private final WorkerPool pool;
  private final Iterator<T> iterator;
  private final Runnable onClose;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile boolean cancelled;

  // Only touched on the context.
  private boolean started;
  private boolean pulling;
  private boolean exhausted;
  private long retryTimer = -1;

  IteratorStream(Context context, WorkerPool pool, Iterator<T> iterator, Runnable onClose) {
    super(context, MAX_CHUNKS);
    this.pool = pool;
    this.iterator = iterator;
    this.onClose = onClose;
  }

  /** Stops reading and emitting; the iterator is closed as soon as no pull is using it. */
  void cancel() {
    if (cancelled) {
      return;
    }
    cancelled = true;
    dropChunks();
    if (retryTimer >= 0) {
      context.owner().cancelTimer(retryTimer);
      retryTimer = -1;
    }
    if (!pulling) {
      closeOnWorker();
    }
  }

  @Override
  public ReadStream<T> handler(Handler<T> handler) {
    this.handler = handler;
    if (handler != null && !started) {
      started = true;
      pullIfRoom();
    }
    return this;
  }

  @Override
  protected boolean isCancelled() {
    return cancelled;
  }

  @Override
  protected boolean sourceDone() {
    return exhausted;
  }

  private void pullIfRoom() {
    if (pulling || exhausted || finished() || cancelled || retryTimer >= 0
        || room.availablePermits() == 0) {
      return;
    }
    pulling = true;
    pool.<Boolean>submit(this::pull).onComplete(this::pulled);
  }

  /** On a worker: reads chunks while there is room; true once the iterator is exhausted. */
  private Boolean pull() {
    try {
      while (!cancelled && room.tryAcquire()) {
        List<T> chunk = new ArrayList<>();
        boolean more = readChunk(chunk);
        if (chunk.isEmpty()) {
          room.release();
        } else {
          context.runOnContext(v -> accept(chunk));
        }
        if (!more) {
          closeNow();
          return Boolean.TRUE;
        }
      }
      return Boolean.FALSE;
    } catch (RuntimeException | Error e) {
      closeNow();
      throw e;
    }
  }

  /** Fills {@code chunk}; false when the iterator has no more items. */
  private boolean readChunk(List<T> chunk) {
    long began = System.nanoTime();
    while (chunk.size() < CHUNK && !cancelled) {
      if (!iterator.hasNext()) {
        return false;
      }
      chunk.add(iterator.next());
      if (System.nanoTime() - began > MAX_CHUNK_WAIT_NANOS) {
        break;
      }
    }
    return true;
  }

  private void pulled(AsyncResult<Boolean> ar) {
    pulling = false;
    if (ar.succeeded()) {
      if (ar.result()) {
        exhausted = true;
        drain();
      } else if (cancelled) {
        closeOnWorker();
      } else {
        pullIfRoom();
      }
      return;
    }
    Throwable failure = ar.cause();
    boolean turnedAway = failure instanceof RejectedTaskException;
    if (turnedAway && emitted() && !cancelled && !finished()) {
      retryTimer = context.owner().setTimer(RETRY_MILLIS, t -> {
        retryTimer = -1;
        pullIfRoom();
      });
      return;
    }
    if (turnedAway) {
      closeOnWorker();
    }
    fail(failure);
  }

  /** After emitting: room may have been given back for the next pull. */
  @Override
  protected void drained() {
    pullIfRoom();
  }

  private void fail(Throwable t) {
    if (!finishFailed()) {
      return;
    }
    Handler<Throwable> h = exceptionHandler;
    if (h != null && !cancelled) {
      h.handle(t);
    }
  }

  /** Closes the source on this thread (a worker), unless someone already did. */
  private void closeNow() {
    if (closed.compareAndSet(false, true)) {
      onClose.run();
    }
  }

  /** Closes the source on a Vert.x worker thread; no pull may be running. */
  private void closeOnWorker() {
    if (closed.compareAndSet(false, true)) {
      context.executeBlocking(() -> {
        onClose.run();
        return null;
      }, false);
    }
  }
}
