package dev.bulwark.web.impl;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.Http1xServerConnection;
import io.vertx.core.net.impl.ConnectionBase;
import java.util.concurrent.TimeUnit;

/**
 * The channel-level half of the front's request checks, right behind Netty's HTTP/1 decoder, for
 * what a decoded request no longer shows to the {@link RequestGuard}:
 *
 * <ul>
 *   <li>a version other than HTTP/1.0 and HTTP/1.1: the request is marked invalid and carried
 *       on as HTTP/1.1, so {@link RequestGuard#invalidRequest} answers 505 as JSON in an HTTP/1.1
 *       status line (Vert.x would answer 501 echoing the client's version string);
 *   <li>a malformed chunk (a bad size, a missing CRLF, see {@link StrictRequestDecoder}), which
 *       Vert.x answers by closing in silence: the client gets a JSON 400 and the close, unless its
 *       response has already begun (then only the close), and nothing after the broken chunk is
 *       read. The 400 is recorded under route {@code refused}; an exchange still waiting for that
 *       request's answer then records nothing ({@link #answeredBrokenBody});
 *   <li>a half-close (the client's FIN after its requests): legitimate in HTTP/1.1, so the
 *       connection allows half-closure, the requests already read are answered, and then the
 *       connection closes (at once when nothing is due). TCP cannot tell a FIN that half-closes
 *       from one that closes, so while a response is under way (its head sent, a stream) the FIN
 *       still means the client left: the connection closes and the stream stops. A client that
 *       closed before its answer began is found out when the answer meets its reset.
 * </ul>
 *
 * <p>It also keeps the connection's idle timeout ({@code ServerOptions.idleTimeout}) in place of
 * Vert.x's {@link IdleStateHandler}: when nothing has been read or written for that long, it fires
 * the {@link IdleStateEvent} that handler would, and Vert.x closes the connection as before. The
 * original pays for every response it writes (a new promise, a listener and its bridge to
 * Vert.x's void promise, to learn when the write completed), and, as a handler of its own, one
 * more pipeline hop per read batch and per write; here a read counts as activity at the end of
 * each read batch ({@code channelReadComplete}), and a write when it is made, except that a write
 * made while a read batch that brought a message is under way (a response written straight from
 * its request) leaves the time to that batch's end, a few microseconds later: one clock read per
 * request instead of two. With a header-read timeout, the batch's time is the start of its read,
 * which {@link HeaderDeadline} has read already: no clock read of its own. The timer is lazy
 * ({@link LazyTimer}): activity only notes the time, and the check scheduled for the deadline
 * looks at the latest activity when it fires (idle: the event, then the next one a whole timeout
 * later; not yet: check again at the new deadline). A write that never completes (a client that
 * stopped reading) leaves the connection idle from then on, as with Vert.x's handler.
 *
 * <p>It also reports each decoded head and each message's end to the connection's
 * {@link HeaderDeadline}, when the server has a header-read timeout. Should the
 * {@link AcceptHook} be missing, it puts the {@link StrictRequestDecoder} in place at the end of
 * the first request (see {@link DecoderSwap} for why not sooner).
 *
 * <p>Implementation note. Added per connection by {@link #install} from the server's connection
 * handler, which Vert.x may call while its decoder is in the middle of the first read (h2c
 * detection): it goes right before Vert.x's own handler, where the first request (re-fired by the
 * h2c upgrade handler) passes too. It counts requests decoded, responses begun (an outbound
 * {@link HttpResponse} other than 1xx) and responses ended (their {@link LastHttpContent}), to
 * know whether the request with the broken body has been answered and when a half-closed
 * connection has nothing left to send: responses go out in request order. Confined to its
 * channel's event loop.
 */
final class FramingCheck extends LazyTimer {

  /** The failure of a message in a version this server does not speak. */
  static final class VersionException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    VersionException(String message) {
      super(message);
    }
  }

  private static final String NAME = "bulwarkFraming";
  /** Vert.x's name for its idle handler. */
  private static final String IDLE = "idle";
  private static final byte[] BAD_BODY = Errors.body("malformed or incomplete request body");

  private final HttpMetrics.RouteMeter refused;
  private final HttpServerOptions options;
  private boolean strict;
  private long requests;
  private long responses;
  private long ended;
  private boolean broken;
  private boolean answeredBroken;
  private boolean inputShut;
  private HeaderDeadline deadline;
  /** The idle timeout, 0 when Vert.x's own idle handler (or none) keeps it. */
  private final long idleNanos;
  private long lastActivity;
  /** A read batch that brought a message is under way: its end notes the activity. */
  private boolean reading;
  private boolean idleFired;

  private FramingCheck(HttpMetrics.RouteMeter refused, HttpServerOptions options, long idleNanos) {
    this.refused = refused;
    this.options = options;
    this.idleNanos = idleNanos;
  }

  /**
   * Adds the check behind an HTTP/1 connection's decoder, in place of Vert.x's idle handler when
   * that one times only the connection as a whole (what an idle timeout alone configures); a
   * no-op for HTTP/2.
   */
  static void install(HttpConnection connection, HttpMetrics.RouteMeter refused,
      HttpServerOptions options) {
    if (!(connection instanceof Http1xServerConnection)) {
      if (connection instanceof ConnectionBase) {
        HeaderDeadline.remove(((ConnectionBase) connection).channelHandlerContext().pipeline());
      }
      return;
    }
    ChannelPipeline pipeline = ((Http1xServerConnection) connection).channelHandlerContext().pipeline();
    if (pipeline.get("httpDecoder") != null && pipeline.get("handler") != null
        && pipeline.get(NAME) == null) {
      long idleNanos = 0;
      ChannelHandler idle = pipeline.get(IDLE);
      if (idle instanceof IdleStateHandler) {
        IdleStateHandler vertx = (IdleStateHandler) idle;
        long all = vertx.getAllIdleTimeInMillis();
        if (all > 0 && vertx.getReaderIdleTimeInMillis() == 0 && vertx.getWriterIdleTimeInMillis() == 0) {
          idleNanos = TimeUnit.MILLISECONDS.toNanos(all);
          pipeline.remove(vertx);
        }
      }
      FramingCheck check = new FramingCheck(refused, options, idleNanos);
      pipeline.addBefore("handler", NAME, check);
      check.deadline = HeaderDeadline.link(pipeline, check);
      // Still in time for a FIN read in the same batch as the request: Netty reads the option
      // when it meets the end of the input.
      pipeline.channel().config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
    }
  }

  /**
   * Whether {@code connection}'s request in progress was answered 400 here for a broken body
   * (and that status recorded); false for any other connection. Not for the hot path: a lookup.
   */
  static boolean answeredBrokenBody(HttpConnection connection) {
    if (connection instanceof Http1xServerConnection) {
      ChannelHandler check = ((Http1xServerConnection) connection).channelHandlerContext()
          .pipeline().get(NAME);
      return check instanceof FramingCheck && ((FramingCheck) check).answeredBroken;
    }
    return false;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    super.handlerAdded(ctx);
    if (idleNanos > 0) {
      lastActivity = System.nanoTime();
      if (ctx.channel().isActive()) {
        schedule(idleNanos);
      }
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (idleNanos > 0) {
      reading = false;
      // The start of this batch's read, which the deadline timed, saves a clock read (the end is
      // microseconds later). A batch that read nothing it saw (a FIN, an empty read) reads the
      // clock: the deadline's reading is then older than the activity already noted.
      long readAt = deadline != null ? deadline.lastReadAt() : 0;
      lastActivity = readAt != 0 && readAt - lastActivity > 0 ? readAt : System.nanoTime();
    }
    ctx.fireChannelReadComplete();
  }

  @Override
  void check() {
    if (!ctx.channel().isOpen()) {
      return;
    }
    long left = idleNanos - (System.nanoTime() - lastActivity);
    if (left > 0) {
      schedule(left);
      return;
    }
    // As Vert.x's handler does: the event, then the next one a whole timeout later.
    schedule(idleNanos);
    IdleStateEvent event = idleFired ? IdleStateEvent.ALL_IDLE_STATE_EVENT
        : IdleStateEvent.FIRST_ALL_IDLE_STATE_EVENT;
    idleFired = true;
    ctx.fireUserEventTriggered(event);
  }

  /** Whether a request decoded so far still waits for its response to begin. */
  boolean answerDue() {
    return responses < requests;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    reading = true;
    if (broken) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg == LastHttpContent.EMPTY_LAST_CONTENT) {
      // The end of a request without a body, the common case: known without the interface
      // checks below, which cost JDK 17 a scan of the class's interfaces where a site sees both
      // this and the request head.
      ctx.fireChannelRead(msg);
      messageEnded(ctx);
      return;
    }
    if (msg instanceof HttpRequest) {
      requests++;
      if (deadline != null) {
        deadline.headReceived();
      }
      HttpRequest request = (HttpRequest) msg;
      HttpVersion version = request.protocolVersion();
      if (version != HttpVersion.HTTP_1_1 && version != HttpVersion.HTTP_1_0
          && request.decoderResult().isSuccess()) {
        request.setProtocolVersion(HttpVersion.HTTP_1_1);
        request.setDecoderResult(DecoderResult.failure(new VersionException(
            "HTTP version not supported; use HTTP/1.1")));
      }
    } else if (msg instanceof HttpContent && !((HttpContent) msg).decoderResult().isSuccess()) {
      Throwable cause = ((HttpContent) msg).decoderResult().cause();
      ReferenceCountUtil.release(msg);
      broken = true;
      if (responses < requests) {
        answeredBroken = true;
        refused.record(400, 0);
        byte[] body = cause instanceof StrictRequestDecoder.FramingException
            ? Errors.body(cause.getMessage()) : BAD_BODY;
        FullHttpResponse answer = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
            HttpResponseStatus.BAD_REQUEST, Unpooled.wrappedBuffer(body));
        answer.headers().set(HttpHeaderNames.CONTENT_TYPE, Errors.CONTENT_TYPE)
            .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
            .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(answer).addListener(ChannelFutureListener.CLOSE);
      } else {
        // Its answer may still sit unflushed in the channel: send it, then close.
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
      }
      return;
    }
    boolean last = msg instanceof LastHttpContent;
    ctx.fireChannelRead(msg);
    if (last) {
      messageEnded(ctx);
    }
  }

  /** A request's last part went on to Vert.x. */
  private void messageEnded(ChannelHandlerContext ctx) {
    if (deadline != null) {
      deadline.messageEnded();
    }
    if (!strict) {
      // At a message boundary the decoder holds no state but the bytes of the requests behind.
      strict = true;
      DecoderSwap.swap(ctx.pipeline(), options);
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof ChannelInputShutdownEvent) {
      // The decoder has already reported a message the FIN cut short (a failed part: answered above).
      inputShut = true;
      if (responses > ended) {
        // A response under way (a stream): a FIN now is a client that left, as before.
        ctx.close();
      } else if (!broken && ended >= requests) {
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
      }
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (idleNanos > 0 && !reading) {
      lastActivity = System.nanoTime();
    }
    boolean end = msg instanceof LastHttpContent;
    if (msg instanceof HttpResponse) {
      if (((HttpResponse) msg).status().code() >= 200) {
        responses++;
      } else {
        end = false; // a 100 Continue or 103 Early Hints, complete in itself
      }
    }
    if (end) {
      ended++;
    }
    ctx.write(msg, promise);
    if (end && inputShut && ended >= requests) {
      // Half-closed and nothing more to answer: send what is written, then close.
      ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
  }
}
