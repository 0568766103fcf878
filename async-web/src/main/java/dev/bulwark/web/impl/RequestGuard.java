package dev.bulwark.web.impl;

import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import java.util.function.BiConsumer;

/**
 * The server's first look at every request, once, before any front: what HTTP/1.1 (RFC 9112)
 * says a server must refuse is refused here with a JSON 400 and the connection closed, so no
 * stage behind it, and no second request smuggled in a body, ever sees it.
 *
 * <ul>
 *   <li>framing that could be read two ways (section 6.1, 6.3): a {@code Transfer-Encoding}
 *       other than exactly one {@code chunked}, or one together with {@code Content-Length};
 *   <li>a missing, repeated or malformed {@code Host} on HTTP/1.1 (section 3.2);
 *   <li>a malformed {@code %} escape in the path or query (RFC 3986, section 2.1), which would
 *       otherwise fail deep inside binding;
 *   <li>what Netty's decoder could not parse (a too long request line: 414; too large headers:
 *       431; anything else, an unknown version included: 400), through
 *       {@link #invalidRequest}, answered as JSON instead of Vert.x's empty bodies.
 * </ul>
 *
 * <p>Closing matters as much as the status: for framing and {@code Host}, the connection is shut
 * down before the answer is written, so Vert.x drops any request that arrives behind it instead
 * of serving it (a bad escape leaves the framing intact, and the connection open). Refusals are
 * not logged (client mistakes are expected) but counted in {@code http_server_requests} under
 * route {@code refused}. One per server instance, confined to its event loop (its header scan
 * is reused from request to request).
 */
final class RequestGuard {

  private final HttpMetrics.RouteMeter refused;
  private final HeaderScan scan = new HeaderScan();
  /**
   * The last {@code Host} value found valid on this event loop: clients (and a proxy in front)
   * send the same one on every request, and comparing with it is cheaper than checking it again.
   */
  private String lastValidHost;

  /** @param refused records each refusal by status (route {@code refused}, method {@code ANY}) */
  RequestGuard(HttpMetrics.RouteMeter refused) {
    this.refused = refused;
  }

  /**
   * True when {@code request} may go on; else it was answered with a JSON 400, and, when its
   * framing or {@code Host} is at fault, its connection closes.
   */
  boolean admit(HttpServerRequest request) {
    String problem = framingProblem(request);
    if (problem != null) {
      refuse(request, 400, problem, true);
      return false;
    }
    String uri = request.uri();
    if (uri.indexOf('%') >= 0 && !validEscapes(uri)) {
      // The message is intact; only its target is bad, so the connection can carry on.
      refuse(request, 400, "malformed percent-encoding in the request target", false);
      return false;
    }
    return true;
  }

  /** Answers a request Netty's decoder could not parse: JSON with the right status, then close. */
  void invalidRequest(HttpServerRequest request) {
    Throwable cause = request.decoderResult().cause();
    if (cause instanceof FramingCheck.VersionException) {
      refuse(request, 505, cause.getMessage(), true);
    } else if (cause instanceof StrictRequestDecoder.FramingException) {
      refuse(request, 400, cause.getMessage(), true);
    } else if (cause instanceof TooLongHttpLineException) {
      refuse(request, 414, "request line is longer than the server accepts", true);
    } else if (cause instanceof TooLongHttpHeaderException || cause instanceof TooLongFrameException) {
      refuse(request, 431, "request headers are larger than the server accepts", true);
    } else {
      refuse(request, 400, "malformed request", true);
    }
  }

  private void refuse(HttpServerRequest request, int status, String message, boolean close) {
    refused.record(status, 0);
    HttpServerResponse response = request.response();
    if (close) {
      // Shut down first: Vert.x then drops whatever request arrives behind this one.
      response.putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
      request.connection().shutdown();
    }
    Errors.send(response, status, message);
  }

  private String framingProblem(HttpServerRequest request) {
    HeaderScan h = scan;
    h.reset();
    request.headers().forEach(h);
    if (h.transferEncodings > 0) {
      if (h.transferEncodings != 1 || !h.transferEncoding.trim().equalsIgnoreCase("chunked")) {
        return "unsupported Transfer-Encoding; only a single 'chunked' is accepted";
      }
      if (h.contentLength) {
        return "Content-Length together with Transfer-Encoding";
      }
    }
    if (request.version() == HttpVersion.HTTP_1_1) {
      if (h.hosts != 1) {
        return h.hosts == 0 ? "missing Host header" : "more than one Host header";
      }
      if (!h.host.equals(lastValidHost)) {
        if (!validHost(h.host)) {
          return "malformed Host header";
        }
        lastValidHost = h.host;
      }
    }
    return null;
  }

  /**
   * One pass over a request's headers collecting what the framing and {@code Host} checks need:
   * no lists, no iterator, no lookups by name. Reused for every request of its guard's event loop.
   */
  private static final class HeaderScan implements BiConsumer<String, String> {
    int hosts;
    String host;
    int transferEncodings;
    String transferEncoding;
    boolean contentLength;

    void reset() {
      hosts = 0;
      host = null;
      transferEncodings = 0;
      transferEncoding = null;
      contentLength = false;
    }

    @Override
    public void accept(String name, String value) {
      switch (name.length()) {
        case 4:
          if (name.equalsIgnoreCase("host") && hosts++ == 0) {
            host = value;
          }
          break;
        case 14:
          contentLength |= name.equalsIgnoreCase("content-length");
          break;
        case 17:
          if (name.equalsIgnoreCase("transfer-encoding") && transferEncodings++ == 0) {
            transferEncoding = value;
          }
          break;
        default:
          break;
      }
    }
  }

  /** {@code uri-host [":" port]}: a reg-name or IPv4 address, or an IP literal in brackets. */
  static boolean validHost(String host) {
    int n = host.length();
    if (n == 0) {
      return false;
    }
    int end = n;
    int colon = host.lastIndexOf(':');
    if (colon >= 0 && host.indexOf(']') < colon) {
      for (int i = colon + 1; i < n; i++) {
        if (host.charAt(i) < '0' || host.charAt(i) > '9') {
          return false;
        }
      }
      end = colon;
    }
    if (end == 0) {
      return false;
    }
    if (host.charAt(0) == '[') {
      if (host.charAt(end - 1) != ']') {
        return false;
      }
      for (int i = 1; i < end - 1; i++) {
        char c = host.charAt(i);
        if (!(Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
          return false;
        }
      }
      return end > 2;
    }
    for (int i = 0; i < end; i++) {
      char c = host.charAt(i);
      boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
          || "-._~!$&'()*+,;=".indexOf(c) >= 0
          || c == '%' && i + 2 < end && hex(host.charAt(i + 1)) && hex(host.charAt(i + 2));
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** Whether every {@code %} is followed by two hex digits. */
  static boolean validEscapes(String uri) {
    for (int i = uri.indexOf('%'); i >= 0; i = uri.indexOf('%', i + 1)) {
      if (i + 2 >= uri.length() || !hex(uri.charAt(i + 1)) || !hex(uri.charAt(i + 2))) {
        return false;
      }
    }
    return true;
  }

  private static boolean hex(char c) {
    return Character.digit(c, 16) >= 0 && c < 128;
  }
}
