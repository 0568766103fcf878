package dev.bulwark.web.impl;

import com.fasterxml.jackson.databind.ObjectWriter;
import dev.bulwark.cache.Cache;
import dev.bulwark.cache.Keys;
import dev.bulwark.web.HttpException;
import dev.bulwark.web.Response;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Serves a {@code @Cached} route from the response cache.
 *
 * <p>Implementation note. The key is built from what the annotation declares (method, template,
 * path parameters, the query parameters — all, sorted, or the named ones — and the {@code Vary}
 * headers, plus a hash of the credentials when cached per user) and encoded injectively by
 * {@link Keys}. A fresh local entry is served without a future; otherwise {@link Cache#get} runs
 * the handler once per key (per cluster with Redis) and the others wait. The handler's value is
 * encoded here, as {@link ResultWriter} would write it, into a {@link CachedResponse} with a strong
 * ETag. What must not be shared is never stored: a {@code Set-Cookie}, a
 * {@code Cache-Control: private/no-store}, a status other than 200/203/204/300/301/308/410, or a
 * failure. Such a result fails the load with {@link Uncacheable}; the request that ran the handler
 * answers with it, and every request that was waiting on that load runs the handler itself.
 * Requests carrying {@code Authorization} or {@code Cookie} bypass the cache unless the route is
 * cached per user. Runs on the request's event loop.
 *
 * <p>With {@code @CachedNotFound} a shareable 404 (an {@link HttpException} encoded as
 * {@link Errors} would write it, or a {@code Response} with status 404) goes to a second cache,
 * {@code notFound}, with its own shorter TTL. A request reads the route's fresh entry first, then
 * the 404's. Single flight still holds because the 404 travels through the route's load: its
 * loader stores the 404 in {@code notFound} (awaiting the write, so Redis has it before the
 * route's lease is released), then fails the load with {@link NotFound} carrying it, which every
 * waiter of that load serves as is. A request that starts after the load ended finds the 404 in
 * {@code notFound}: it was stored before the route's in-flight entry was removed. On the Redis
 * tiers the loader first asks {@code notFound} (through Redis) for a 404 that another instance
 * stored while this one waited for the route's lease, so the handler runs once per cluster.
 */
final class CachedRouteHandler implements Handler<RoutingContext> {

  private static final List<Integer> CACHEABLE = List.of(200, 203, 204, 300, 301, 308, 410);

  private final RouteHandler inner;
  private final RouteHandler.Tracking tracking;
  private final Cache<CachedResponse> cache;
  private final String method;
  private final String template;
  private final String[] pathParams;
  private final String[] queryNames;
  private final String[] vary;
  private final boolean perUser;
  private final long ttlSeconds;
  private final Cache<CachedResponse> notFound;
  private final long notFoundTtlSeconds;
  private final ObjectWriter json;
  private final String varyHeader;

  CachedRouteHandler(RouteHandler inner, RouteHandler.Tracking tracking, Cache<CachedResponse> cache,
      String method, String template, List<String> pathParams, String[] queryNames, String[] vary,
      boolean perUser, long ttlSeconds, Cache<CachedResponse> notFound, long notFoundTtlSeconds,
      ObjectWriter json) {
    this.inner = inner;
    this.tracking = tracking;
    this.cache = cache;
    this.method = method;
    this.template = template;
    this.pathParams = pathParams.toArray(new String[0]);
    this.queryNames = queryNames.clone();
    this.vary = vary.clone();
    this.perUser = perUser;
    this.ttlSeconds = ttlSeconds;
    this.notFound = notFound;
    this.notFoundTtlSeconds = notFoundTtlSeconds;
    this.json = json;
    List<String> varies = new ArrayList<>(List.of(vary));
    if (perUser) {
      varies.add("Authorization");
      varies.add("Cookie");
    }
    this.varyHeader = varies.isEmpty() ? null : String.join(", ", varies);
  }

  @Override
  public void handle(RoutingContext ctx) {
    if (tracking != null && !tracking.begin(ctx)) {
      return;
    }
    serve(new Call() {
      @Override
      public HttpServerRequest request() {
        return ctx.request();
      }

      @Override
      public String pathParam(String name) {
        return ctx.pathParam(name);
      }

      @Override
      public MultiMap queryParams() {
        return ctx.queryParams();
      }

      @Override
      public Future<Object> produce() {
        return inner.produce(ctx);
      }
    });
  }

  /**
   * As {@link #handle}, for a request whose path matched {@code template} (see
   * {@link RouteHandler#handleFast}); {@code tracking} must be set.
   */
  void handleFast(HttpServerRequest request, TextParamBinder[] fastBinders, PathTemplate pathTemplate,
      String[] pathValues) {
    if (!tracking.beginFast(request)) {
      return;
    }
    serve(new Call() {
      @Override
      public HttpServerRequest request() {
        return request;
      }

      @Override
      public String pathParam(String name) {
        int i = pathTemplate.index(name);
        return i < 0 ? null : pathValues[i];
      }

      @Override
      public MultiMap queryParams() {
        return request.params();
      }

      @Override
      public Future<Object> produce() {
        return inner.produceFast(request, fastBinders, pathTemplate, pathValues);
      }
    });
  }

  /** One request, served through the router or without it. */
  private interface Call {
    HttpServerRequest request();

    String pathParam(String name);

    MultiMap queryParams();

    /** Binds and runs the handler method (see {@link RouteHandler#produce}). */
    Future<Object> produce();
  }

  private void serve(Call call) {
    HttpServerRequest request = call.request();
    MultiMap headers = request.headers();
    boolean credentials = headers.contains(HttpHeaders.AUTHORIZATION) || headers.contains(HttpHeaders.COOKIE);
    if (credentials && !perUser) {
      runUncached(call);
      return;
    }
    String key = key(call);
    CachedResponse hit = cache.getIfPresent(key);
    if (hit != null) {
      serve(call, hit, cache, key, ttlSeconds);
      return;
    }
    if (notFound != null) {
      CachedResponse missing = notFound.getIfPresent(key);
      if (missing != null) {
        serve(call, missing, notFound, key, notFoundTtlSeconds);
        return;
      }
    }
    boolean[] ran = {false};
    cache.get(key, () -> {
      ran[0] = true;
      return notFound == null ? load(call) : loadOrNotFound(call, key);
    }).onComplete(ar -> {
      if (ar.succeeded()) {
        serve(call, ar.result(), cache, key, ttlSeconds);
      } else if (ar.cause() instanceof NotFound) {
        serve(call, ((NotFound) ar.cause()).response, notFound, key, notFoundTtlSeconds);
      } else if (ar.cause() instanceof Uncacheable && ran[0]) {
        send(call, ((Uncacheable) ar.cause()).response, null);
      } else if (ar.cause() instanceof Uncacheable) {
        runUncached(call);
      } else {
        Errors.handle(call.request(), ar.cause());
      }
    });
  }

  /** Runs the handler: an answer that may be stored succeeds, any other fails the load. */
  private Future<CachedResponse> load(Call call) {
    return call.produce().compose(value -> {
      CachedResponse encoded;
      try {
        encoded = encode(value);
      } catch (Exception e) {
        return Future.failedFuture(e);
      }
      return CACHEABLE.contains(encoded.status()) && shareable(encoded) ? Future.succeededFuture(encoded)
          : Future.failedFuture(new Uncacheable(encoded));
    });
  }

  /**
   * As {@link #load}, but a 404 found now, or stored meanwhile by another load, fails the load
   * with {@link NotFound}; a new one is in {@code notFound} before the load ends.
   */
  private Future<CachedResponse> loadOrNotFound(Call call, String key) {
    return notFound.find(key).compose(known -> {
      if (known != null) {
        return Future.failedFuture(new NotFound(known));
      }
      return load(call).recover(failure -> {
        CachedResponse answer = notFoundAnswer(failure);
        if (answer == null) {
          return Future.failedFuture(failure);
        }
        // A failed write (Redis down) still stores locally; the answer is served either way.
        return notFound.put(key, answer).transform(stored -> Future.failedFuture(new NotFound(answer)));
      });
    });
  }

  /** The failure of a load as the 404 to store, or null if it is not a 404 that may be shared. */
  private static CachedResponse notFoundAnswer(Throwable failure) {
    Throwable f = Errors.unwrap(failure);
    if (f instanceof Uncacheable) {
      CachedResponse r = ((Uncacheable) f).response;
      return r.status() == 404 && shareable(r) ? r : null;
    }
    if (f instanceof HttpException && ((HttpException) f).status() == 404) {
      List<String[]> headers = List.<String[]>of(new String[] {"Content-Type", Errors.CONTENT_TYPE});
      return CachedResponse.of(404, headers, Errors.body(f.getMessage()));
    }
    return null;
  }

  private void runUncached(Call call) {
    call.produce().onComplete(ar -> {
      if (ar.failed()) {
        Errors.handle(call.request(), ar.cause());
        return;
      }
      try {
        send(call, encode(ar.result()), null);
      } catch (Exception e) {
        Errors.handle(call.request(), e);
      }
    });
  }

  private String key(Call call) {
    List<Object> parts = new ArrayList<>(8);
    parts.add(method);
    parts.add(template);
    for (String p : pathParams) {
      parts.add(call.pathParam(p));
    }
    MultiMap query = call.queryParams();
    if (queryNames.length == 0) {
      TreeMap<String, List<String>> sorted = new TreeMap<>();
      for (Map.Entry<String, String> e : query) {
        sorted.computeIfAbsent(e.getKey(), k -> new ArrayList<>(1)).add(e.getValue());
      }
      // Values stay lists (Keys encodes them with their count and lengths): joining them would
      // make ?a=1&a=2 and ?a=1%002 one key.
      for (Map.Entry<String, List<String>> e : sorted.entrySet()) {
        parts.add(e.getKey());
        parts.add(e.getValue());
      }
    } else {
      for (String name : queryNames) {
        parts.add(query.getAll(name));
      }
    }
    MultiMap headers = call.request().headers();
    for (String h : vary) {
      parts.add(headers.getAll(h));
    }
    if (perUser) {
      // Every field of each header (HTTP/2 clients split Cookie into several), and an absent
      // header apart from one whose value is the text "null".
      parts.add(CachedResponse.etag(Keys.encode(headers.getAll(HttpHeaders.AUTHORIZATION),
          headers.getAll(HttpHeaders.COOKIE)).getBytes(StandardCharsets.UTF_8)));
    }
    return Keys.encode(parts.toArray());
  }

  /** Serves an entry of {@code from} with the seconds it has left ({@code ttl} when unknown). */
  private void serve(Call call, CachedResponse r, Cache<CachedResponse> from, String key,
      long ttl) {
    long remaining = from.remainingTtlMillis(key);
    long maxAge = remaining < 0 ? ttl : remaining / 1000;
    String cacheControl = (perUser ? "private" : "public") + ", max-age=" + maxAge;
    String ifNoneMatch = call.request().getHeader(HttpHeaders.IF_NONE_MATCH);
    if (ifNoneMatch != null && matches(ifNoneMatch, r.etag())) {
      HttpServerResponse response = call.request().response();
      response.setStatusCode(304).putHeader(HttpHeaders.ETAG, r.etag())
          .putHeader(HttpHeaders.CACHE_CONTROL, cacheControl);
      if (varyHeader != null) {
        response.putHeader(HttpHeaders.VARY, varyHeader);
      }
      response.end();
      return;
    }
    send(call, r, cacheControl);
  }

  private void send(Call call, CachedResponse r, String cacheControl) {
    HttpServerResponse response = call.request().response();
    if (response.closed() || response.ended()) {
      return;
    }
    response.setStatusCode(r.status());
    for (String[] h : r.headers()) {
      response.headers().add(h[0], h[1]);
    }
    if (cacheControl != null) {
      response.putHeader(HttpHeaders.ETAG, r.etag()).putHeader(HttpHeaders.CACHE_CONTROL, cacheControl);
      if (varyHeader != null) {
        response.putHeader(HttpHeaders.VARY, varyHeader);
      }
    }
    if (r.body().length == 0) {
      response.end();
    } else {
      response.end(Buffer.buffer(r.body()));
    }
  }

  /** {@code If-None-Match}: {@code *} or a list of (possibly weak) tags; weak comparison. */
  static boolean matches(String ifNoneMatch, String etag) {
    String bare = etag.startsWith("W/") ? etag.substring(2) : etag;
    for (String tag : ifNoneMatch.split(",")) {
      String t = tag.trim();
      if (t.equals("*")) {
        return true;
      }
      if (t.startsWith("W/")) {
        t = t.substring(2);
      }
      if (t.equals(bare)) {
        return true;
      }
    }
    return false;
  }

  /** The value as {@link ResultWriter} would write it: status, safe headers, body. */
  private CachedResponse encode(Object value) throws Exception {
    int status = 200;
    List<String[]> headers = new ArrayList<>(2);
    Object body = value;
    if (value instanceof Response) {
      Response<?> r = (Response<?>) value;
      status = r.status();
      for (Map.Entry<String, String> h : r.headers()) {
        headers.add(new String[] {h.getKey(), h.getValue()});
      }
      body = r.body();
    }
    byte[] bytes;
    String contentType;
    if (body == null) {
      return CachedResponse.of(status == 200 ? 204 : status, headers, new byte[0]);
    } else if (body instanceof String) {
      bytes = ((String) body).getBytes(StandardCharsets.UTF_8);
      contentType = "text/plain; charset=utf-8";
    } else if (body instanceof Buffer) {
      bytes = ((Buffer) body).getBytes();
      contentType = "application/octet-stream";
    } else if (body instanceof byte[]) {
      bytes = (byte[]) body;
      contentType = "application/octet-stream";
    } else {
      bytes = json.writeValueAsBytes(body);
      contentType = "application/json";
    }
    boolean typed = false;
    for (String[] h : headers) {
      typed |= h[0].equalsIgnoreCase("Content-Type");
    }
    if (!typed) {
      headers.add(new String[] {"Content-Type", contentType});
    }
    return CachedResponse.of(status, headers, bytes);
  }

  /** Whether no header makes the response private to its client. */
  private static boolean shareable(CachedResponse r) {
    for (String[] h : r.headers()) {
      String name = h[0].toLowerCase(Locale.ROOT);
      if (name.equals("set-cookie")) {
        return false;
      }
      if (name.equals("cache-control")) {
        String v = h[1].toLowerCase(Locale.ROOT);
        if (v.contains("private") || v.contains("no-store") || v.contains("no-cache")) {
          return false;
        }
      }
    }
    return true;
  }

  /** A load whose result must not be stored; carries the result for the request that ran it. */
  static final class Uncacheable extends HttpException {
    private static final long serialVersionUID = 1L;
    final transient CachedResponse response;

    Uncacheable(CachedResponse response) {
      super(500, "response not cacheable");
      this.response = response;
    }
  }

  /** A load that ended in a 404 now in the 404 cache; carries it for every request of the load. */
  static final class NotFound extends HttpException {
    private static final long serialVersionUID = 1L;
    final transient CachedResponse response;

    NotFound(CachedResponse response) {
      super(404, "not found");
      this.response = response;
    }
  }
}
