package dev.bulwark.web.impl;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.lang.reflect.Field;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts a {@link DecoderSwap} (and, with a header-read timeout, a {@link HeaderDeadline} before it)
 * at the head of every accepted connection's pipeline, before Vert.x has read a byte of it. Vert.x
 * offers no hook there: with h2c enabled it reports a connection only once the first request's
 * head has been decoded, which a slowloris never lets happen and which is too late to make the
 * decoder of that first request strict.
 *
 * <p>Implementation note. The hook is a handler on the listening channel, ahead of Netty's
 * acceptor, so it sees each accepted child channel before it is initialised. The listening
 * channel is reached through three private fields of Vert.x 5's server implementation
 * ({@code HttpServerImpl.tcpServer}, {@code NetServerImpl.actualServer},
 * {@code NetServerImpl.bindFuture}); the instances sharing a port share one listening channel, so
 * the first to install wins and the others find it there. If a Vert.x upgrade moves those fields,
 * {@link #install} logs one warning and the server runs without the header deadline (the idle
 * timeout and the header size limit still apply) and with the strict decoder only from each
 * connection's second request on ({@link FramingCheck}); {@code SlowClientHostileTest} and
 * {@code RequestPathResilienceTest} then fail.
 * Sharable and stateless.
 */
@ChannelHandler.Sharable
final class AcceptHook extends ChannelInboundHandlerAdapter {

  private static final Logger LOG = LoggerFactory.getLogger(AcceptHook.class);
  private static final String NAME = "bulwarkAcceptHook";

  private final HttpServerOptions options;
  private final long timeoutNanos;
  private final HttpMetrics.RouteMeter refused;

  private AcceptHook(HttpServerOptions options, long timeoutNanos, HttpMetrics.RouteMeter refused) {
    this.options = options;
    this.timeoutNanos = timeoutNanos;
    this.refused = refused;
  }

  /**
   * Installs the hook on {@code server}'s listening channel; false (and a warning) if it cannot.
   *
   * @param options the server's options, for the strict decoder
   * @param timeoutNanos the header-read timeout, 0 for none
   */
  static boolean install(HttpServer server, HttpServerOptions options, long timeoutNanos,
      HttpMetrics.RouteMeter refused) {
    Channel listening;
    try {
      Object tcp = field(server, "tcpServer");
      Object actual = field(tcp, "actualServer");
      Future<?> bound = (Future<?>) field(actual, "bindFuture");
      listening = (Channel) bound.result();
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.warn("headerReadTimeout is not enforced and a connection's first request is decoded"
          + " leniently: this Vert.x version hides its listening channel ({})", e.toString());
      return false;
    }
    listening.eventLoop().execute(() -> {
      if (listening.pipeline().get(NAME) == null) {
        listening.pipeline().addFirst(NAME, new AcceptHook(options, timeoutNanos, refused));
      }
    });
    return true;
  }

  private static Object field(Object owner, String name) throws ReflectiveOperationException {
    for (Class<?> c = owner.getClass(); c != null; c = c.getSuperclass()) {
      try {
        Field f = c.getDeclaredField(name);
        f.setAccessible(true);
        Object value = f.get(owner);
        if (value == null) {
          throw new NoSuchFieldException(name + " is null");
        }
        return value;
      } catch (NoSuchFieldException e) {
        // look in the superclass
      }
    }
    throw new NoSuchFieldException(owner.getClass().getName() + "." + name);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof Channel) {
      ChannelPipeline pipeline = ((Channel) msg).pipeline();
      pipeline.addFirst(DecoderSwap.NAME, new DecoderSwap(options));
      if (timeoutNanos > 0) {
        pipeline.addFirst(HeaderDeadline.NAME, new HeaderDeadline(timeoutNanos, refused));
      }
    }
    ctx.fireChannelRead(msg);
  }
}
