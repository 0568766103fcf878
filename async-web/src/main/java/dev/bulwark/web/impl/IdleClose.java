package dev.bulwark.web.impl;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;

/**
 * The idle timeout of an HTTP/1 connection ({@code ServerOptions.idleTimeout}): when nothing has
 * been read or written for that long, it fires the {@link IdleStateEvent} that Vert.x's own
 * {@link IdleStateHandler} would, and Vert.x closes the connection as before. It takes that
 * handler's place ({@link #replace}) because the original pays for every response it writes: a
 * new promise, a listener and its bridge to Vert.x's void promise, to learn when the write
 * completed.
 *
 * <p>Implementation note. A write counts as activity when it is made rather than when it
 * completes; a write that never completes (a client that stopped reading) still leaves the
 * connection idle from then on, as with Vert.x's handler. A read counts at the end of each read
 * batch ({@code channelReadComplete}). The timer is lazy ({@link LazyTimer}): activity
 * only notes the time, and the check scheduled for the deadline looks at the latest activity
 * when it fires (idle: the event; not yet: check again at the new deadline). HTTP/2 connections
 * keep Vert.x's handler. Confined to its channel's event loop.
 */
final class IdleClose extends LazyTimer {

  private static final String NAME = "idle";

  private final long timeoutNanos;
  private long lastActivity;
  private boolean fired;

  private IdleClose(long timeoutNanos) {
    this.timeoutNanos = timeoutNanos;
  }

  /**
   * Puts an {@code IdleClose} in place of Vert.x's idle handler, when the pipeline has one that
   * times only the connection as a whole (what an idle timeout alone configures); else leaves it.
   */
  static void replace(ChannelPipeline pipeline) {
    ChannelHandler handler = pipeline.get(NAME);
    if (handler instanceof IdleStateHandler) {
      IdleStateHandler vertx = (IdleStateHandler) handler;
      long all = vertx.getAllIdleTimeInMillis();
      if (all > 0 && vertx.getReaderIdleTimeInMillis() == 0 && vertx.getWriterIdleTimeInMillis() == 0) {
        pipeline.replace(vertx, NAME, new IdleClose(TimeUnit.MILLISECONDS.toNanos(all)));
      }
    }
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    super.handlerAdded(ctx);
    lastActivity = System.nanoTime();
    if (ctx.channel().isActive()) {
      schedule(timeoutNanos);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    lastActivity = System.nanoTime();
    ctx.fireChannelReadComplete();
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    lastActivity = System.nanoTime();
    ctx.write(msg, promise);
  }

  @Override
  void check() {
    if (!ctx.channel().isOpen()) {
      return;
    }
    long left = timeoutNanos - (System.nanoTime() - lastActivity);
    if (left > 0) {
      schedule(left);
      return;
    }
    // As Vert.x's handler does: the event, then the next one a whole timeout later.
    schedule(timeoutNanos);
    IdleStateEvent event = fired ? IdleStateEvent.ALL_IDLE_STATE_EVENT
        : IdleStateEvent.FIRST_ALL_IDLE_STATE_EVENT;
    fired = true;
    ctx.fireUserEventTriggered(event);
  }
}
