package dev.bulwark.web.impl;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.Http1xOrH2CHandler;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;

/**
 * Puts a {@link StrictRequestDecoder} in place of Vert.x's HTTP/1 decoder before the decoder has
 * decoded anything, so a connection's first request is held to the same framing rules as the
 * ones behind it. {@link AcceptHook} adds it near the head of every accepted connection's
 * pipeline; it removes itself once the connection's protocol is known.
 *
 * <p>Implementation note. With h2c enabled, Vert.x creates the HTTP/1 decoder only when its
 * {@code Http1xOrH2CHandler} sees the first byte that departs from the HTTP/2 preface, and hands
 * that byte on to the new decoder in the same call. So, while that handler is in the pipeline,
 * this one passes the first bytes on one at a time; as soon as the handler has gone, the decoder
 * holds at most the preface's 24 bytes and no complete line (Netty's line parser consumes nothing
 * before a line ends), and {@code pipeline.replace} hands those bytes to the strict decoder. Then
 * the rest of the read follows in one piece. An HTTP/2 connection (prior knowledge) has no
 * HTTP/1 decoder; it is left alone. With h2c disabled the decoder is there before the first read.
 * Confined to its channel's event loop.
 */
final class DecoderSwap extends ChannelInboundHandlerAdapter {

  static final String NAME = "bulwarkDecoderSwap";

  private final HttpServerOptions options;

  DecoderSwap(HttpServerOptions options) {
    this.options = options;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf)) {
      ctx.fireChannelRead(msg);
      return;
    }
    ByteBuf bytes = (ByteBuf) msg;
    ChannelPipeline pipeline = ctx.pipeline();
    while (bytes.isReadable() && pipeline.get(Http1xOrH2CHandler.class) != null
        && ctx.channel().isActive()) {
      ctx.fireChannelRead(bytes.readRetainedSlice(1));
    }
    if (pipeline.get(Http1xOrH2CHandler.class) == null) {
      swap(pipeline, options);
      pipeline.remove(this);
    }
    if (bytes.isReadable()) {
      ctx.fireChannelRead(bytes);
    } else {
      bytes.release();
    }
  }

  /**
   * Replaces the pipeline's HTTP/1 decoder by a strict one, if it has one that is not yet strict.
   * Safe only where the decoder holds no partly decoded message (see the note above).
   */
  static void swap(ChannelPipeline pipeline, HttpServerOptions options) {
    ChannelHandler decoder = pipeline.get("httpDecoder");
    if (decoder instanceof VertxHttpRequestDecoder && !(decoder instanceof StrictRequestDecoder)) {
      pipeline.replace(decoder, "httpDecoder", new StrictRequestDecoder(options));
    }
  }
}
