package dev.bulwark.web.impl;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServer;
import java.lang.reflect.Field;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts a {@link HeaderDeadline} at the head of every accepted connection's pipeline, before Vert.x
 * has read a byte of it. Vert.x offers no hook there: with h2c enabled it reports a connection
 * only once the first request's head has been decoded, which a slowloris never lets happen.
 *
 * <p>Implementation note. The hook is a handler on the listening channel, ahead of Netty's
 * acceptor, so it sees each accepted child channel before it is initialised. The listening
 * channel is reached through three private fields of Vert.x 5's server implementation
 * ({@code HttpServerImpl.tcpServer}, {@code NetServerImpl.actualServer},
 * {@code NetServerImpl.bindFuture}); the instances sharing a port share one listening channel, so
 * the first to install wins and the others find it there. If a Vert.x upgrade moves those fields,
 * {@link #install} logs one warning and the server runs without the header deadline (the idle
 * timeout and the header size limit still apply); {@code SlowClientHostileTest} then fails.
 * Sharable and stateless.
 */
@ChannelHandler.Sharable
final class AcceptHook extends ChannelInboundHandlerAdapter {

  private static final Logger LOG = LoggerFactory.getLogger(AcceptHook.class);
  private static final String NAME = "bulwarkAcceptHook";

  private final long timeoutNanos;
  private final HttpMetrics.RouteMeter refused;

  private AcceptHook(long timeoutNanos, HttpMetrics.RouteMeter refused) {
    this.timeoutNanos = timeoutNanos;
    this.refused = refused;
  }

  /** Installs the hook on {@code server}'s listening channel; false (and a warning) if it cannot. */
  static boolean install(HttpServer server, long timeoutNanos, HttpMetrics.RouteMeter refused) {
    Channel listening;
    try {
      Object tcp = field(server, "tcpServer");
      Object actual = field(tcp, "actualServer");
      Future<?> bound = (Future<?>) field(actual, "bindFuture");
      listening = (Channel) bound.result();
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.warn("headerReadTimeout is not enforced: this Vert.x version hides its listening channel ({})",
          e.toString());
      return false;
    }
    listening.eventLoop().execute(() -> {
      if (listening.pipeline().get(NAME) == null) {
        listening.pipeline().addFirst(NAME, new AcceptHook(timeoutNanos, refused));
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
      ((Channel) msg).pipeline().addFirst(HeaderDeadline.NAME, new HeaderDeadline(timeoutNanos, refused));
    }
    ctx.fireChannelRead(msg);
  }
}
