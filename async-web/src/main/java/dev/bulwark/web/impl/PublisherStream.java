package dev.bulwark.web.impl;

import dev.bulwark.core.internal.DemandStream;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.streams.ReadStream;
import java.util.ArrayDeque;
import java.util.concurrent.Flow;

/**
 * A {@link Flow.Publisher} as a {@link ReadStream}: it subscribes when a handler is set and
 * requests items in batches only while the stream is flowing and its buffer is low, so a paused
 * stream holds at most one batch. Signals may arrive on any thread; they are moved to the
 * context, where all state lives. {@link #cancel()} cancels the subscription.
 */
final class PublisherStream<T> extends DemandStream<T> implements Flow.Subscriber<T> {

  private static final int BATCH = 128;

  private final Flow.Publisher<T> publisher;
  private volatile Flow.Subscription subscription;
  private volatile boolean cancelled;

  // Context-only state.
  private final ArrayDeque<T> buffer = new ArrayDeque<>();
  private long requested;
  private boolean completed;
  private boolean finished;

  PublisherStream(Context context, Flow.Publisher<T> publisher) {
    super(context);
    this.publisher = publisher;
  }

  void cancel() {
    cancelled = true;
    Flow.Subscription s = subscription;
    if (s != null) {
      s.cancel();
    }
  }

  @Override
  public ReadStream<T> handler(Handler<T> handler) {
    boolean first = this.handler == null && handler != null && subscription == null;
    this.handler = handler;
    if (first) {
      publisher.subscribe(this);
    }
    return this;
  }

  @Override
  public void onSubscribe(Flow.Subscription s) {
    if (subscription != null || cancelled) {
      s.cancel();
      return;
    }
    subscription = s;
    context.runOnContext(v -> drain());
  }

  @Override
  public void onNext(T item) {
    context.runOnContext(v -> {
      requested--;
      if (!finished && !cancelled) {
        buffer.addLast(item);
        drain();
      }
    });
  }

  @Override
  public void onError(Throwable t) {
    context.runOnContext(v -> {
      if (finished) {
        return;
      }
      finished = true;
      buffer.clear();
      if (exceptionHandler != null) {
        exceptionHandler.handle(t);
      }
    });
  }

  @Override
  public void onComplete() {
    context.runOnContext(v -> {
      completed = true;
      drain();
    });
  }

  @Override
  protected void drain() {
    while (demand > 0 && !buffer.isEmpty() && !finished && !cancelled) {
      T item = buffer.pollFirst();
      consumeDemand();
      if (handler != null) {
        handler.handle(item);
      }
    }
    if (completed && buffer.isEmpty() && !finished && !cancelled) {
      finished = true;
      if (endHandler != null) {
        endHandler.handle(null);
      }
      return;
    }
    Flow.Subscription s = subscription;
    if (s != null && demand > 0 && !completed && !cancelled && requested + buffer.size() < BATCH / 2) {
      long more = BATCH - requested - buffer.size();
      requested += more;
      s.request(more);
    }
  }
}
