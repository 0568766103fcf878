package dev.bulwark.examples.shop;

import dev.bulwark.web.SseEvent;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.streams.ReadStream;

/**
 * Events {@code {"seq":i}} for i from {@code first} to {@code last}, one per period, on a Vert.x
 * timer (no thread is held while waiting). While paused, ticks are skipped rather than queued, so
 * a slow client gets every event, later. Used on its event loop only.
 */
final class TickStream implements ReadStream<SseEvent> {

  private final Vertx vertx;
  private final long periodMs;
  private final long last;
  private long next;
  private long timer = -1;
  private boolean paused;
  private Handler<SseEvent> handler;
  private Handler<Void> endHandler;

  TickStream(Vertx vertx, long periodMs, long first, long last) {
    this.vertx = vertx;
    this.periodMs = periodMs;
    this.next = first;
    this.last = last;
  }

  @Override
  public ReadStream<SseEvent> handler(Handler<SseEvent> handler) {
    this.handler = handler;
    if (handler == null) {
      stop();
    } else if (timer < 0) {
      if (next > last) {
        vertx.runOnContext(v -> end());
      } else {
        timer = vertx.setPeriodic(periodMs, t -> tick());
      }
    }
    return this;
  }

  private void tick() {
    if (paused || handler == null) {
      return;
    }
    long seq = next++;
    handler.handle(SseEvent.of(Long.toString(seq), "{\"seq\":" + seq + "}"));
    if (next > last) {
      end();
    }
  }

  private void end() {
    stop();
    if (endHandler != null) {
      endHandler.handle(null);
    }
  }

  private void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  @Override
  public ReadStream<SseEvent> exceptionHandler(Handler<Throwable> handler) {
    return this;
  }

  @Override
  public ReadStream<SseEvent> pause() {
    paused = true;
    return this;
  }

  @Override
  public ReadStream<SseEvent> resume() {
    paused = false;
    return this;
  }

  @Override
  public ReadStream<SseEvent> fetch(long amount) {
    paused = false;
    return this;
  }

  @Override
  public ReadStream<SseEvent> endHandler(Handler<Void> endHandler) {
    this.endHandler = endHandler;
    return this;
  }
}
