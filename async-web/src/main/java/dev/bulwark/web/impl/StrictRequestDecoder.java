package dev.bulwark.web.impl;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ByteProcessor;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;
import java.util.List;

/**
 * Vert.x's HTTP/1 request decoder, refusing what Netty quietly repairs:
 *
 * <ul>
 *   <li>a request with both {@code Content-Length} and {@code Transfer-Encoding: chunked} (RFC
 *       9112, section 6.3), whose length Netty would drop, is marked invalid, so
 *       {@link RequestGuard#invalidRequest} answers 400 and closes the connection;
 *   <li>a chunk-size line that is not {@code 1*HEXDIG}, optionally followed by an extension
 *       ({@code BWS ";" ...}, section 7.1 and 7.1.1): Netty skips whitespace before the size and
 *       stops at any whitespace after it, so {@code " 5"}, {@code "5 "} and {@code "5 x"} would be
 *       read as 5. Such a body ends in a failed {@link LastHttpContent}, which {@link FramingCheck}
 *       answers with a JSON 400 and the close; nothing after it is decoded;
 *   <li>an HTTP/1.1 upgrade to h2c ({@code Upgrade: h2c}) is not taken: the {@code h2c} token is
 *       removed from the decoded head, so the request is answered over HTTP/1.1 (a server may
 *       ignore an upgrade, RFC 9113 section 3.1). HTTP/2 by prior knowledge is untouched: its
 *       connections never reach this decoder. Why: docs/ARCHITECTURE.md, "h2c upgrade".
 * </ul>
 *
 * <p>Implementation note. The chunk check follows the body without parsing it twice: a chunked
 * head leaves Netty's decoder at a chunk-size line; the check reads that line in place (Netty's
 * line parser consumes nothing until a whole line is there) and counts the bytes up to the next
 * one (the line, the data, the CRLF that Netty requires after it). A request without a chunked
 * body costs one type check per decoded batch. {@link DecoderSwap} puts this decoder in place
 * before a connection's first byte is decoded. Confined to its channel's event loop.
 */
final class StrictRequestDecoder extends VertxHttpRequestDecoder {

  /** The failure of a message whose framing could be read two ways. */
  static final class FramingException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    FramingException(String message) {
      super(message);
    }
  }

  /** Whether a chunked body is being read. */
  private boolean chunkedBody;
  /** Bytes of the current chunk (its size line, data and CRLF) not yet decoded; 0 at a size line. */
  private long chunkLeft;
  /** A broken chunk was reported: the rest of the connection's bytes are dropped. */
  private boolean broken;

  StrictRequestDecoder(HttpServerOptions options) {
    super(options);
  }

  @Override
  protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
    super.handleTransferEncodingChunkedWithContentLength(message);
    message.setDecoderResult(DecoderResult.failure(new FramingException(
        "Content-Length together with Transfer-Encoding")));
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out)
      throws Exception {
    if (broken) {
      buffer.skipBytes(buffer.readableBytes());
      return;
    }
    if (chunkedBody && chunkLeft == 0 && !checkSizeLine(buffer)) {
      broken = true;
      buffer.skipBytes(buffer.readableBytes());
      LastHttpContent failed = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER);
      failed.setDecoderResult(DecoderResult.failure(new FramingException(
          "malformed chunk size: 1*HEXDIG, then CRLF or BWS \";\" and an extension")));
      out.add(failed);
      return;
    }
    int before = buffer.readerIndex();
    int produced = out.size();
    super.decode(ctx, buffer, out);
    if (chunkedBody) {
      chunkLeft -= buffer.readerIndex() - before;
    }
    for (int i = produced; i < out.size(); i++) {
      Object part = out.get(i);
      // The identity test first: a site that sees both a head and this end pays JDK 17 a scan
      // of the class's interfaces for each instanceof.
      if (part != LastHttpContent.EMPTY_LAST_CONTENT && part instanceof HttpRequest) {
        refuseH2cUpgrade((HttpRequest) part);
      }
    }
    if (out.size() > produced) {
      Object last = out.get(out.size() - 1);
      if (last == LastHttpContent.EMPTY_LAST_CONTENT || last instanceof LastHttpContent) {
        chunkedBody = false;
      } else if (last instanceof HttpRequest && !(last instanceof LastHttpContent)) {
        HttpRequest head = (HttpRequest) last;
        chunkedBody = head.decoderResult().isSuccess() && HttpUtil.isTransferEncodingChunked(head);
        chunkLeft = 0;
      }
    }
  }

  /**
   * Takes the {@code h2c} token out of {@code request}'s {@code Upgrade} header (the header goes
   * when nothing else is left in it), so Vert.x answers the request over HTTP/1.1 instead of
   * switching the connection to HTTP/2. RFC 9110 section 7.8 and RFC 9113 section 3.1 let a server
   * ignore an upgrade it does not want; other upgrades (WebSocket) are left as they are.
   */
  static void refuseH2cUpgrade(HttpRequest request) {
    HttpHeaders headers = request.headers();
    String upgrade = headers.get(HttpHeaderNames.UPGRADE);
    if (upgrade == null) {
      return;
    }
    StringBuilder kept = new StringBuilder();
    boolean h2c = false;
    for (String token : upgrade.split(",")) {
      String t = token.trim();
      if (t.equalsIgnoreCase(H2C)) {
        h2c = true;
      } else if (!t.isEmpty()) {
        kept.append(kept.length() == 0 ? "" : ", ").append(t);
      }
    }
    if (!h2c) {
      return;
    }
    if (kept.length() == 0) {
      headers.remove(HttpHeaderNames.UPGRADE);
    } else {
      headers.set(HttpHeaderNames.UPGRADE, kept.toString());
    }
  }

  /**
   * At a chunk-size line: false when the line is complete and malformed; else true, and when the
   * line is complete, {@link #chunkLeft} counts the chunk's bytes (a last chunk ends the count:
   * its trailers are Netty's to parse).
   */
  private boolean checkSizeLine(ByteBuf buffer) {
    int start = buffer.readerIndex();
    int lf = buffer.indexOf(start, buffer.writerIndex(), (byte) '\n');
    if (lf < 0) {
      return true; // Netty waits for the rest of the line, or refuses an over-long one
    }
    int end = lf > start && buffer.getByte(lf - 1) == '\r' ? lf - 1 : lf;
    int digits = buffer.forEachByte(start, end - start, NOT_HEX);
    int sizeEnd = digits < 0 ? end : digits;
    if (sizeEnd == start) {
      return false;
    }
    if (sizeEnd < end) {
      int ext = buffer.forEachByte(sizeEnd, end - sizeEnd, ByteProcessor.FIND_NON_LINEAR_WHITESPACE);
      if (ext < 0 || buffer.getByte(ext) != ';') {
        return false;
      }
    }
    long size = 0;
    for (int i = start; i < sizeEnd && size <= Integer.MAX_VALUE; i++) {
      size = size * 16 + Character.digit(buffer.getByte(i), 16);
    }
    if (size == 0 || size > Integer.MAX_VALUE) {
      chunkedBody = false; // the last chunk, or one Netty refuses as too large
    } else {
      chunkLeft = (lf + 1 - start) + size + 2;
    }
    return true;
  }

  private static final String H2C = "h2c";
  private static final ByteProcessor NOT_HEX = b -> Character.digit(b, 16) >= 0 && b >= 0;
}
