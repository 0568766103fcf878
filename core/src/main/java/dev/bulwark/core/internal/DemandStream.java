package dev.bulwark.core.internal;

import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.streams.ReadStream;

/**
 * The demand bookkeeping every Bulwark {@link ReadStream} shares: the handlers, and a demand that
 * {@code pause} zeroes, {@code fetch} adds to (saturating) and {@code resume} makes unbounded; after
 * a {@code fetch} the subclass's {@link #drain()} runs on the context. Cross-module plumbing; not
 * an API. All state is touched on the stream's context only.
 *
 * @param <T> the item type
 */
public abstract class DemandStream<T> implements ReadStream<T> {

  protected final Context context;
  protected long demand = Long.MAX_VALUE;
  protected Handler<T> handler;
  protected Handler<Void> endHandler;
  protected Handler<Throwable> exceptionHandler;

  protected DemandStream(Context context) {
    this.context = context;
  }

  /** Emits what the demand allows; runs on the context. */
  protected abstract void drain();

  /** Takes one unit of demand, for one emitted item. */
  protected final void consumeDemand() {
    if (demand != Long.MAX_VALUE) {
      demand--;
    }
  }

  @Override
  public ReadStream<T> exceptionHandler(Handler<Throwable> handler) {
    this.exceptionHandler = handler;
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
    if (amount > 0) {
      demand = demand + amount < 0 ? Long.MAX_VALUE : demand + amount;
      context.runOnContext(v -> drain());
    }
    return this;
  }

  @Override
  public ReadStream<T> endHandler(Handler<Void> endHandler) {
    this.endHandler = endHandler;
    return this;
  }
}
