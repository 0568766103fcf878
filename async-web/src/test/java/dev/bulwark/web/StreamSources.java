package dev.bulwark.web;

import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.streams.ReadStream;
import java.util.Iterator;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Small hand-written stream sources for the streaming tests, so each behaves exactly as the
 * contracts they implement say and records what the server did to it.
 */
final class StreamSources {

  private StreamSources() {
  }

  /**
   * A Vert.x {@link ReadStream} over an iterator, emitting on its context as demand allows
   * ({@code pause}/{@code resume}/{@code fetch}). Records when its handler is cleared. Used on its
   * context only.
   */
  static final class IteratorReadStream<T> implements ReadStream<T> {
    private final Context context;
    private final Iterator<T> items;
    private final CountDownLatch handlerCleared;
    private long demand = Long.MAX_VALUE;
    private boolean scheduled;
    private boolean ended;
    private Handler<T> handler;
    private Handler<Void> endHandler;

    IteratorReadStream(Context context, Iterator<T> items) {
      this(context, items, new CountDownLatch(1));
    }

    IteratorReadStream(Context context, Iterator<T> items, CountDownLatch handlerCleared) {
      this.context = context;
      this.items = items;
      this.handlerCleared = handlerCleared;
    }

    @Override
    public ReadStream<T> handler(Handler<T> h) {
      this.handler = h;
      if (h == null) {
        handlerCleared.countDown();
      } else {
        schedule();
      }
      return this;
    }

    @Override
    public ReadStream<T> exceptionHandler(Handler<Throwable> h) {
      return this;
    }

    @Override
    public ReadStream<T> pause() {
      demand = 0;
      return this;
    }

    @Override
    public ReadStream<T> resume() {
      return fetch(Long.MAX_VALUE);
    }

    @Override
    public ReadStream<T> fetch(long amount) {
      demand = demand + amount < 0 ? Long.MAX_VALUE : demand + amount;
      schedule();
      return this;
    }

    @Override
    public ReadStream<T> endHandler(Handler<Void> h) {
      this.endHandler = h;
      return this;
    }

    private void schedule() {
      if (!scheduled) {
        scheduled = true;
        context.runOnContext(v -> {
          scheduled = false;
          drain();
        });
      }
    }

    private void drain() {
      // Emit a bounded batch per turn so an infinite source leaves the event loop room to breathe.
      int batch = 0;
      while (demand > 0 && handler != null && items.hasNext() && batch++ < 1024) {
        if (demand != Long.MAX_VALUE) {
          demand--;
        }
        handler.handle(items.next());
      }
      if (handler != null && !ended && !items.hasNext()) {
        ended = true;
        if (endHandler != null) {
          endHandler.handle(null);
        }
      } else if (demand > 0 && handler != null && items.hasNext()) {
        schedule();
      }
    }
  }

  /**
   * A {@link Flow.Publisher} over an iterator for one subscriber: emits as many items as were
   * requested, on the requesting thread, and completes once the iterator is exhausted; counts
   * down {@code cancelled} when the subscription is cancelled.
   */
  static final class IteratorPublisher<T> implements Flow.Publisher<T> {
    private final Iterator<T> items;
    private final CountDownLatch cancelled;

    IteratorPublisher(Iterator<T> items) {
      this(items, new CountDownLatch(1));
    }

    IteratorPublisher(Iterator<T> items, CountDownLatch cancelled) {
      this.items = items;
      this.cancelled = cancelled;
    }

    @Override
    public void subscribe(Flow.Subscriber<? super T> subscriber) {
      AtomicLong requested = new AtomicLong();
      AtomicBoolean emitting = new AtomicBoolean();
      AtomicBoolean done = new AtomicBoolean();
      subscriber.onSubscribe(new Flow.Subscription() {
        @Override
        public void request(long n) {
          requested.addAndGet(n);
          if (!emitting.compareAndSet(false, true)) {
            return;
          }
          try {
            while (requested.get() > 0 && !done.get()) {
              if (!items.hasNext()) {
                done.set(true);
                subscriber.onComplete();
                return;
              }
              requested.decrementAndGet();
              subscriber.onNext(items.next());
            }
          } finally {
            emitting.set(false);
          }
        }

        @Override
        public void cancel() {
          done.set(true);
          cancelled.countDown();
        }
      });
    }
  }
}
