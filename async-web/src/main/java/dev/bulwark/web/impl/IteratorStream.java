package dev.bulwark.web.impl;

import dev.bulwark.core.WorkerPool;
import dev.bulwark.core.internal.ChunkedReadStream;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * A blocking {@link Iterator} (or a {@code java.util.stream.Stream}'s) pulled on a worker pool in
 * chunks, with backpressure ({@link ChunkedReadStream}). A chunk is handed over when it holds
 * {@link #CHUNK} items or when 5 ms have passed since it began, so a slow source (an event every
 * 100 ms) is not held back waiting for a full chunk. {@code onClose} runs on the worker when the
 * source is exhausted, fails or is cancelled, and on a Vert.x worker when the pool turned the pull
 * away (rejected or expired in its queue), so a source is closed even if it was never pulled.
 */
final class IteratorStream<T> extends ChunkedReadStream<T> {

  static final int CHUNK = 256;
  private static final long MAX_CHUNK_WAIT_NANOS = 5_000_000;

  private final Iterator<T> iterator;
  private final Runnable onClose;

  IteratorStream(Context context, WorkerPool pool, Iterator<T> iterator, Runnable onClose) {
    super(context, runner(context, pool, onClose));
    this.iterator = iterator;
    this.onClose = onClose;
  }

  private static Function<Callable<Void>, Future<Void>> runner(Context context, WorkerPool pool,
      Runnable onClose) {
    return task -> {
      // Whoever claims first owns the close: the task when it starts, else the rejection.
      AtomicBoolean claimed = new AtomicBoolean();
      return pool.<Void>submit(() -> claimed.compareAndSet(false, true) ? task.call() : null)
          .onFailure(e -> {
            if (claimed.compareAndSet(false, true)) {
              context.executeBlocking(() -> {
                onClose.run();
                return null;
              }, false);
            }
          });
    };
  }

  @Override
  protected void produce() throws Exception {
    try {
      boolean more = true;
      while (more && awaitRoom()) {
        List<T> chunk = new ArrayList<>();
        long began = System.nanoTime();
        while (chunk.size() < CHUNK && !isCancelled()) {
          if (!iterator.hasNext()) {
            more = false;
            break;
          }
          chunk.add(iterator.next());
          if (System.nanoTime() - began > MAX_CHUNK_WAIT_NANOS) {
            break;
          }
        }
        if (!chunk.isEmpty()) {
          offer(chunk);
        }
      }
    } finally {
      onClose.run();
    }
  }
}
