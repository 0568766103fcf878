package dev.bulwark.examples.shop;

import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.metrics.MetricsOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.spi.VertxMetricsFactory;
import io.vertx.core.spi.metrics.HttpServerMetrics;
import io.vertx.core.spi.metrics.VertxMetrics;
import io.vertx.core.spi.observability.HttpRequest;
import io.vertx.core.spi.observability.HttpResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access log: one line per request with method, path, route, status, duration and bytes,
 * taken from what Vert.x's HTTP server reports through its metrics SPI ({@link HttpServerMetrics})
 * rather than from a hook in the request path. Logged at INFO to {@value ShopLogging#ACCESS_LOGGER}
 * with the fields also as SLF4J key-value pairs (in JSON they form {@code kvpList}):
 *
 * <pre>
 * GET /products/5 200 1.42 ms 95 B route=/products/:id
 * </pre>
 *
 * <p>{@code request_id} is the response's {@code X-Request-Id} (the id a 500 is logged and answered
 * with), else the request's own {@code X-Request-Id} as a proxy such as nginx sets it, when it is
 * 1-128 characters of {@code [A-Za-z0-9._:-]}; absent otherwise (nothing else is trusted into a
 * log line).
 *
 * <p>{@code route} is what the router reported through {@code HttpServerRequest.routed}, or
 * {@code -} when the request did not go through the vertx-web router (async-web dispatches plain
 * routes without it). A request whose client went away before the response ended is logged with
 * status {@code reset}. Thread-safe: Vert.x calls each request's methods on its connection's event
 * loop, and a request's state lives in its own {@link Request} object.
 */
public final class AccessLog implements VertxMetricsFactory {

  private static final Logger LOG = LoggerFactory.getLogger(ShopLogging.ACCESS_LOGGER);

  /** Options for {@code Vertx.builder().with(...)}: the SPI is consulted only when enabled. */
  public static VertxOptions enable(VertxOptions options) {
    return options.setMetricsOptions(new MetricsOptions().setEnabled(true));
  }

  @Override
  public VertxMetrics metrics(VertxOptions options) {
    return new VertxMetrics() {
      @Override
      public HttpServerMetrics<?, ?, ?> createHttpServerMetrics(HttpServerOptions o, SocketAddress local) {
        return new ServerMetrics();
      }
    };
  }

  /** One request between its head and the end of its response; confined to its event loop. */
  static final class Request {
    final long startNanos = System.nanoTime();
    final String method;
    final String path;
    final String requestId;
    String route;

    Request(HttpRequest request) {
      this.method = request.method().name();
      this.requestId = requestId(request.headers().get(REQUEST_ID));
      String uri = request.uri();
      int query = uri.indexOf('?');
      // The query string stays out: it may carry tokens, and it is not needed to find the route.
      this.path = query < 0 ? uri : uri.substring(0, query);
    }
  }

  private static final class ServerMetrics implements HttpServerMetrics<Request, Void, Void> {

    @Override
    public Request requestBegin(Void socketMetric, HttpRequest request) {
      return new Request(request);
    }

    @Override
    public void requestRouted(Request request, String route) {
      if (request != null && route != null) {
        request.route = route;
      }
    }

    @Override
    public void responseEnd(Request request, HttpResponse response, long bytesWritten) {
      if (request != null) {
        String answered = requestId(response.headers().get(REQUEST_ID));
        log(request, Integer.toString(response.statusCode()), bytesWritten,
            answered != null ? answered : request.requestId);
      }
    }

    @Override
    public void requestReset(Request request) {
      if (request != null) {
        log(request, "reset", -1, request.requestId);
      }
    }
  }

  private static final String REQUEST_ID = "X-Request-Id";

  /** {@code value} if it is a plausible request id (safe in a log line), else null. */
  static String requestId(String value) {
    if (value == null || value.isEmpty() || value.length() > 128) {
      return null;
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
          || c == '.' || c == '_' || c == ':' || c == '-')) {
        return null;
      }
    }
    return value;
  }

  private static void log(Request r, String status, long bytes, String requestId) {
    if (!LOG.isInfoEnabled()) {
      return;
    }
    double millis = (System.nanoTime() - r.startNanos) / 1e6;
    String route = r.route == null ? "-" : r.route;
    String duration = String.format(java.util.Locale.ROOT, "%.2f", millis);
    var line = LOG.atInfo()
        .addKeyValue("method", r.method)
        .addKeyValue("path", r.path)
        .addKeyValue("route", route)
        .addKeyValue("status", status)
        .addKeyValue("durationMs", duration)
        .addKeyValue("bytes", bytes);
    if (requestId == null) {
      line.log("{} {} {} {} ms {} B route={}", r.method, r.path, status, duration, bytes, route);
    } else {
      line.addKeyValue("request_id", requestId)
          .log("{} {} {} {} ms {} B route={} request_id={}", r.method, r.path, status, duration, bytes,
              route, requestId);
    }
  }
}
