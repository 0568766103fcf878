package dev.bulwark.web.impl;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import java.nio.charset.StandardCharsets;

/**
 * The header-read deadline of an HTTP/1 connection (slowloris): from the first byte of a request
 * to the end of its headers, at most {@code ServerOptions.headerReadTimeout}; past it the client
 * gets a JSON 408 with {@code Connection: close} (when no earlier response is still due) and the
 * connection closes. Waiting for a request's first byte is the idle timeout's part, and reading a
 * body is not timed here.
 *
 * <p>Implementation note. {@link AcceptHook} puts it first in each accepted connection's pipeline,
 * so it sees the raw bytes: the first bytes while the connection is between requests arm the
 * timer. {@link FramingCheck}, behind the decoder, is linked to it once Vert.x reports the
 * connection ({@link #link}, at the first request's head) and reports each decoded head
 * ({@link #headReceived}, which cancels the timer) and each message's end ({@link #messageEnded},
 * back to between requests). A request whose first bytes came in the same read as the end of the
 * one before only arms the timer with its next bytes: a slowloris always sends more. An HTTP/2
 * connection removes it. Confined to its channel's event loop.
 *
 * <p>The timer is lazy ({@link LazyTimer}): a request only notes when its head began, and a
 * check scheduled for the deadline of the head that armed it looks at the current head when it
 * fires (expired: 408; not yet: check again at its deadline; none pending: stop). Scheduling and cancelling a timer
 * per request cost about a tenth of a {@code /hello} round trip; this costs one clock read.
 */
final class HeaderDeadline extends LazyTimer {

  static final String NAME = "bulwarkHeaderDeadline";
  private static final byte[] TIMEOUT_RESPONSE = timeoutResponse();

  private final long timeoutNanos;
  private final HttpMetrics.RouteMeter refused;
  private FramingCheck framing;
  /** The HTTP/1 decoder's place in the pipeline, as last seen ({@link #decoding}). */
  private ChannelHandlerContext decoder;
  private boolean betweenRequests = true;
  /** Whether a request's head is being read, and since when ({@link System#nanoTime}). */
  private boolean awaitingHead;
  private long headStartedAt;
  private long lastReadAt;

  HeaderDeadline(long timeoutNanos, HttpMetrics.RouteMeter refused) {
    this.timeoutNanos = timeoutNanos;
    this.refused = refused;
  }

  /**
   * The connection's deadline, linked to its {@link FramingCheck}, or {@code null} when the server
   * has none.
   */
  static HeaderDeadline link(ChannelPipeline pipeline, FramingCheck framing) {
    HeaderDeadline deadline = (HeaderDeadline) pipeline.get(NAME);
    if (deadline != null) {
      deadline.framing = framing;
      deadline.decoder = pipeline.context("httpDecoder");
    }
    return deadline;
  }

  /** Removes the deadline of a connection that speaks HTTP/2. */
  static void remove(ChannelPipeline pipeline) {
    if (pipeline.get(NAME) != null) {
      pipeline.remove(NAME);
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf) || !((ByteBuf) msg).isReadable()) {
      ctx.fireChannelRead(msg);
      return;
    }
    if (betweenRequests && framing != null && !decoding(ctx)) {
      // Upgraded to HTTP/2 (h2c): no HTTP/1 heads to time any more.
      ctx.pipeline().remove(this);
      ctx.fireChannelRead(msg);
      return;
    }
    // The read's one clock reading: the head's start, the idle time's activity, the request's start.
    long now = System.nanoTime();
    lastReadAt = now;
    if (betweenRequests) {
      betweenRequests = false;
      awaitingHead = true;
      headStartedAt = now;
      if (!scheduled()) {
        schedule(timeoutNanos);
      }
    }
    ReadClock clock = ReadClock.begin(now);
    try {
      ctx.fireChannelRead(msg);
    } finally {
      clock.end();
    }
  }

  /**
   * When this connection's latest read began ({@link System#nanoTime}); 0 before any, and once
   * this handler has left the pipeline (its readings stop).
   */
  long lastReadAt() {
    return ctx != null && !ctx.isRemoved() ? lastReadAt : 0;
  }

  /**
   * Whether the pipeline still has an HTTP/1 decoder: the one seen last, or else the one now in
   * its place ({@link DecoderSwap} replaces Vert.x's). Looked up by name only after a change.
   */
  private boolean decoding(ChannelHandlerContext ctx) {
    if (decoder != null && !decoder.isRemoved()) {
      return true;
    }
    decoder = ctx.pipeline().context("httpDecoder");
    return decoder != null;
  }

  /** The decoder produced a request's head: its headers are complete. */
  void headReceived() {
    awaitingHead = false;
  }

  /** A request ended: the connection is between requests until its next bytes. */
  void messageEnded() {
    betweenRequests = true;
  }

  @Override
  void check() {
    if (!awaitingHead || !ctx.channel().isActive()) {
      return;
    }
    long left = timeoutNanos - (System.nanoTime() - headStartedAt);
    if (left > 0) {
      schedule(left);
      return;
    }
    expired();
  }

  private void expired() {
    refused.record(408, timeoutNanos);
    if (framing != null && framing.answerDue()) {
      // A 408 must not jump ahead of an earlier request's response.
      ctx.close();
    } else {
      ctx.writeAndFlush(Unpooled.wrappedBuffer(TIMEOUT_RESPONSE))
          .addListener(ChannelFutureListener.CLOSE);
    }
  }

  private static byte[] timeoutResponse() {
    byte[] body = Errors.body("request headers not received in time");
    String head = "HTTP/1.1 408 Request Timeout\r\nContent-Type: " + Errors.CONTENT_TYPE
        + "\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n";
    byte[] h = head.getBytes(StandardCharsets.ISO_8859_1);
    byte[] all = new byte[h.length + body.length];
    System.arraycopy(h, 0, all, 0, h.length);
    System.arraycopy(body, 0, all, h.length, body.length);
    return all;
  }
}
