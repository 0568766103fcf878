package dev.bulwark.web.impl;

import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpMessage;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;

/**
 * Vert.x's HTTP/1 request decoder, refusing what Netty quietly repairs: a request with both
 * {@code Content-Length} and {@code Transfer-Encoding: chunked} (RFC 9112, section 6.3), whose
 * length Netty would drop, is marked invalid, so {@link RequestGuard#invalidRequest} answers 400
 * and closes the connection. {@link FramingCheck} swaps it in for Vert.x's own decoder at the
 * first message boundary of a connection (see there why not sooner). Confined to its channel's
 * event loop.
 */
final class StrictRequestDecoder extends VertxHttpRequestDecoder {

  /** The failure of a message whose framing could be read two ways. */
  static final class FramingException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    FramingException(String message) {
      super(message);
    }
  }

  StrictRequestDecoder(HttpServerOptions options) {
    super(options);
  }

  @Override
  protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
    super.handleTransferEncodingChunkedWithContentLength(message);
    message.setDecoderResult(DecoderResult.failure(new FramingException(
        "Content-Length together with Transfer-Encoding")));
  }
}
