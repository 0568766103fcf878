package dev.bulwark.core.internal;

import io.vertx.core.Context;
import io.vertx.core.Handler;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.Semaphore;

/**
 * The emitting half every chunked Bulwark stream shares ({@link ChunkedReadStream}, the web
 * module's iterator stream): a reader on a worker thread takes a {@link #room} permit per chunk
 * it reads and hands the chunk to the context ({@link #accept}); {@link #drain()} emits the
 * chunks' items while there is demand, gives a permit back each time it has emitted a whole
 * chunk, and ends the stream once the source is done and every chunk is out. A paused consumer
 * therefore stops the reader after {@code maxChunks} chunks, whatever its speed. Cross-module
 * plumbing; not an API. Apart from {@link #room} and the subclass's cancelled flag, all state is
 * touched on the stream's context only.
 *
 * @param <T> the item type
 */
public abstract class ChunkEmitter<T> extends DemandStream<T> {

  /** One permit per chunk that may wait in memory; the reader takes one, the emitter gives it back. */
  protected final Semaphore room;

  // Only touched on the context.
  private final ArrayDeque<List<T>> chunks = new ArrayDeque<>();
  private int index;
  private boolean emitting;
  private boolean emitted;
  private boolean finished;

  /**
   * @param context where handlers run
   * @param maxChunks chunks that may wait in memory at most
   */
  protected ChunkEmitter(Context context, int maxChunks) {
    super(context);
    this.room = new Semaphore(maxChunks);
  }

  /** Whether the stream was cancelled: nothing more is emitted, nor does it end. Any thread. */
  protected abstract boolean isCancelled();

  /** Whether the source handed over its last chunk (the stream ends once they are emitted). */
  protected abstract boolean sourceDone();

  /**
   * Runs at the end of each {@link #drain()} that emitted: one not nested in another (a handler's
   * {@code fetch}), on a stream that had not ended before it.
   */
  protected void drained() {
  }

  /** On the context: queues a chunk (not empty) the reader read, and emits what it can. */
  protected final void accept(List<T> chunk) {
    if (isCancelled() || finished) {
      return;
    }
    chunks.addLast(chunk);
    drain();
  }

  @Override
  protected final void drain() {
    if (emitting || finished) {
      return;
    }
    emitting = true;
    try {
      while (demand > 0 && !chunks.isEmpty() && !isCancelled()) {
        List<T> chunk = chunks.peekFirst();
        T item = chunk.get(index++);
        if (index == chunk.size()) {
          chunks.pollFirst();
          index = 0;
          room.release();
        }
        emitted = true;
        consumeDemand();
        Handler<T> h = handler;
        if (h != null) {
          h.handle(item);
        }
      }
      if (sourceDone() && chunks.isEmpty() && !isCancelled()) {
        finished = true;
        Handler<Void> end = endHandler;
        if (end != null) {
          end.handle(null);
        }
      }
    } finally {
      emitting = false;
    }
    drained();
  }

  /** Whether an item was emitted yet. */
  protected final boolean emitted() {
    return emitted;
  }

  /** Whether the stream ended, or failed. */
  protected final boolean finished() {
    return finished;
  }

  /** Drops the chunks waiting to be emitted (their permits stay taken: nothing reads any more). */
  protected final void dropChunks() {
    chunks.clear();
  }

  /**
   * Ends the stream as failed, dropping what waits, unless it ended already; returns whether this
   * call ended it (the caller then tells the exception handler).
   */
  protected final boolean finishFailed() {
    if (finished) {
      return false;
    }
    finished = true;
    chunks.clear();
    return true;
  }
}
