package dev.bulwark.web.impl;

import dev.bulwark.cache.Cache;
import dev.bulwark.cache.Keys;
import dev.bulwark.web.HttpException;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pipeline's cache stage for a {@code @Cached} route: after binding, it looks the request up,
 * and on a miss runs the invocation and encoding stages once per key, storing the encoded answer.
 *
 * <p>Implementation note. The key is decided at start: the route's method and template, then the
 * bound values of its path and query parameters (converted, so {@code 08} and {@code 8} are one
 * entry, and undeclared query parameters make no new entry; {@code @Cached(key)} narrows the query
 * parameters to the ones named), the {@code Vary} headers (declared ones and every
 * {@code @HeaderParam}, which are answered as {@code Vary} too), and a hash of the credentials
 * when cached per user; encoded injectively by {@link Keys}. A route with a
 * {@code RoutingContext} parameter can read any query parameter, so it keys on all of them,
 * sorted. A fresh local entry is served without a future; otherwise {@link Cache#get} runs the
 * handler once per key (per cluster with Redis) and the others wait. The handler's value is
 * encoded by the route's {@link ResultWriter} into a {@link CachedResponse} with a strong ETag.
 * What must not be shared is never stored: a {@code Set-Cookie}, a
 * {@code Cache-Control: private/no-store/no-cache}, a {@code Vary} naming a header the key does
 * not hold (or {@code *}), a status other than 200/203/204/300/301/308/410, or a failure. Such a
 * result fails the load with {@link Uncacheable}; the request that ran the handler answers with
 * it, and every request that was waiting on that load runs the handler itself. Requests carrying
 * {@code Authorization} or {@code Cookie} bypass the cache unless the route is cached per user.
 * {@code If-None-Match} answers 304 only for a 2xx entry (RFC 9110, section 13.2.1). Immutable
 * and thread-safe; runs on the request's event loop.
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
final class ResponseCache {

  private static final Logger LOG = LoggerFactory.getLogger(ResponseCache.class);
  private static final List<Integer> CACHEABLE = List.of(200, 203, 204, 300, 301, 308, 410);

  private final String description;
  private final Cache<CachedResponse> cache;
  private final String prefix;
  /** The arguments that form the key, by index. */
  private final int[] keyedArgs;
  /** {@code @Cached(key)} names no declared query parameter holds: read as raw text. */
  private final String[] rawQueryNames;
  private final boolean allQuery;
  private final String[] vary;
  private final Set<String> varyLower;
  private final boolean perUser;
  private final long ttlSeconds;
  private final Cache<CachedResponse> notFound;
  private final long notFoundTtlSeconds;
  private final String varyHeader;
  private final String publicOrPrivate;
  private final AtomicBoolean varyWarned = new AtomicBoolean();

  private ResponseCache(String description, Cache<CachedResponse> cache, String prefix,
      int[] keyedArgs, String[] rawQueryNames, boolean allQuery, String[] vary, boolean perUser,
      long ttlSeconds, Cache<CachedResponse> notFound, long notFoundTtlSeconds) {
    this.description = description;
    this.cache = cache;
    this.prefix = prefix;
    this.keyedArgs = keyedArgs;
    this.rawQueryNames = rawQueryNames;
    this.allQuery = allQuery;
    this.vary = vary;
    this.perUser = perUser;
    this.ttlSeconds = ttlSeconds;
    this.notFound = notFound;
    this.notFoundTtlSeconds = notFoundTtlSeconds;
    List<String> varies = new ArrayList<>(List.of(vary));
    if (perUser) {
      for (String h : List.of("Authorization", "Cookie")) {
        if (varies.stream().noneMatch(h::equalsIgnoreCase)) {
          varies.add(h);
        }
      }
    }
    this.varyLower = new HashSet<>();
    for (String v : varies) {
      varyLower.add(v.toLowerCase(Locale.ROOT));
    }
    this.varyHeader = varies.isEmpty() ? null : String.join(", ", varies);
    this.publicOrPrivate = perUser ? "private, max-age=" : "public, max-age=";
  }

  /**
   * Decides the key of a route at start (see the class note).
   *
   * @param prefix the route's method and template, first part of every key
   * @param queryNames {@code @Cached(key)}: the query parameters that count, or empty for all
   *     declared ones
   * @param vary {@code @HttpCacheKey(vary)}
   */
  static ResponseCache create(String description, Cache<CachedResponse> cache, String prefix,
      ParamBinder[] binders, boolean usesContext, String[] queryNames, String[] vary,
      boolean perUser, long ttlSeconds, Cache<CachedResponse> notFound, long notFoundTtlSeconds) {
    List<Integer> keyed = new ArrayList<>();
    Set<String> declaredQuery = new HashSet<>();
    Map<String, String> varies = new LinkedHashMap<>();
    for (String v : vary) {
      varies.putIfAbsent(v.toLowerCase(Locale.ROOT), v);
    }
    List<String> named = List.of(queryNames);
    for (int i = 0; i < binders.length; i++) {
      if (!(binders[i] instanceof TextParamBinder)) {
        continue;
      }
      TextParamBinder b = (TextParamBinder) binders[i];
      switch (b.source()) {
        case PATH:
          keyed.add(i);
          break;
        case QUERY:
          declaredQuery.add(b.name());
          if (named.isEmpty() || named.contains(b.name())) {
            keyed.add(i);
          }
          break;
        default:
          varies.putIfAbsent(b.name().toLowerCase(Locale.ROOT), b.name());
          break;
      }
    }
    List<String> raw = new ArrayList<>();
    for (String q : queryNames) {
      if (!declaredQuery.contains(q)) {
        raw.add(q);
      }
    }
    return new ResponseCache(description, cache, prefix,
        keyed.stream().mapToInt(Integer::intValue).toArray(), raw.toArray(new String[0]),
        usesContext && queryNames.length == 0, varies.values().toArray(new String[0]), perUser,
        ttlSeconds, notFound, notFoundTtlSeconds);
  }

  /** Serves {@code ex}, whose arguments are bound, from the cache or through one load. */
  void serve(Exchange ex, Object[] args) {
    MultiMap headers = ex.request().headers();
    boolean credentials = headers.contains(HttpHeaders.AUTHORIZATION) || headers.contains(HttpHeaders.COOKIE);
    if (credentials && !perUser) {
      runUncached(ex, args);
      return;
    }
    String key = key(ex, args);
    CachedResponse hit = cache.getIfPresent(key);
    if (hit != null) {
      serve(ex, hit, cache, key, ttlSeconds);
      return;
    }
    if (notFound != null) {
      CachedResponse missing = notFound.getIfPresent(key);
      if (missing != null) {
        serve(ex, missing, notFound, key, notFoundTtlSeconds);
        return;
      }
    }
    boolean[] ran = {false};
    cache.get(key, () -> {
      ran[0] = true;
      return notFound == null ? load(ex, args) : loadOrNotFound(ex, args, key);
    }).onComplete(ar -> {
      if (ar.succeeded()) {
        serve(ex, ar.result(), cache, key, ttlSeconds);
      } else if (ar.cause() instanceof NotFound) {
        serve(ex, ((NotFound) ar.cause()).response, notFound, key, notFoundTtlSeconds);
      } else if (ar.cause() instanceof Uncacheable && ran[0]) {
        send(ex, ((Uncacheable) ar.cause()).response, null);
      } else if (ar.cause() instanceof Uncacheable) {
        runUncached(ex, args);
      } else {
        ex.fail(ar.cause());
      }
    });
  }

  /** Runs the handler: an answer that may be stored succeeds, any other fails the load. */
  private Future<CachedResponse> load(Exchange ex, Object[] args) {
    return Pipeline.produce(ex, args).compose(value -> {
      CachedResponse encoded;
      try {
        encoded = encode(ex, value);
      } catch (Exception e) {
        return Future.failedFuture(e);
      }
      return CACHEABLE.contains(encoded.status()) && shareable(encoded) && varies(encoded)
          ? Future.succeededFuture(encoded) : Future.failedFuture(new Uncacheable(encoded));
    });
  }

  /**
   * Whether every header the response says it varies on is part of the key; else storing it would
   * serve one variant to everyone. Warns once per route.
   */
  private boolean varies(CachedResponse r) {
    for (String[] h : r.headers()) {
      if (!h[0].equalsIgnoreCase("Vary")) {
        continue;
      }
      for (String name : h[1].split(",")) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        if (!n.isEmpty() && !varyLower.contains(n)) {
          if (varyWarned.compareAndSet(false, true)) {
            LOG.warn("{} answered 'Vary: {}', which its cache key does not cover; such answers are "
                + "not cached (declare the headers in @HttpCacheKey(vary))", description, h[1]);
          }
          return false;
        }
      }
    }
    return true;
  }

  /**
   * As {@link #load}, but a 404 found now, or stored meanwhile by another load, fails the load
   * with {@link NotFound}; a new one is in {@code notFound} before the load ends.
   */
  private Future<CachedResponse> loadOrNotFound(Exchange ex, Object[] args, String key) {
    return notFound.find(key).compose(known -> {
      if (known != null) {
        return Future.failedFuture(new NotFound(known));
      }
      return load(ex, args).recover(failure -> {
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

  private void runUncached(Exchange ex, Object[] args) {
    Pipeline.produce(ex, args).onComplete(ar -> {
      if (ar.failed()) {
        ex.fail(ar.cause());
        return;
      }
      try {
        send(ex, encode(ex, ar.result()), null);
      } catch (Exception e) {
        ex.fail(e);
      }
    });
  }

  private String key(Exchange ex, Object[] args) {
    int n = 1 + keyedArgs.length + rawQueryNames.length + vary.length + (perUser ? 1 : 0);
    Object[] parts = new Object[n + (allQuery ? 1 : 0)];
    int i = 0;
    parts[i++] = prefix;
    for (int a : keyedArgs) {
      parts[i++] = args[a];
    }
    for (String q : rawQueryNames) {
      parts[i++] = ex.queryParams().getAll(q);
    }
    if (allQuery) {
      TreeMap<String, List<String>> sorted = new TreeMap<>();
      for (Map.Entry<String, String> e : ex.queryParams()) {
        sorted.computeIfAbsent(e.getKey(), k -> new ArrayList<>(1)).add(e.getValue());
      }
      // Values stay lists (Keys encodes them with their count and lengths): joining them would
      // make ?a=1&a=2 and ?a=1%002 one key.
      List<Object> flat = new ArrayList<>(sorted.size() * 2);
      for (Map.Entry<String, List<String>> e : sorted.entrySet()) {
        flat.add(e.getKey());
        flat.add(e.getValue());
      }
      parts[i++] = flat;
    }
    MultiMap headers = ex.request().headers();
    for (String h : vary) {
      parts[i++] = headers.getAll(h);
    }
    if (perUser) {
      // Every field of each header (HTTP/2 clients split Cookie into several), and an absent
      // header apart from one whose value is the text "null".
      parts[i++] = CachedResponse.etag(Keys.encode(headers.getAll(HttpHeaders.AUTHORIZATION),
          headers.getAll(HttpHeaders.COOKIE)).getBytes(StandardCharsets.UTF_8));
    }
    return Keys.encode(parts);
  }

  /** Serves an entry of {@code from} with the seconds it has left ({@code ttl} when unknown). */
  private void serve(Exchange ex, CachedResponse r, Cache<CachedResponse> from, String key,
      long ttl) {
    long remaining = from.remainingTtlMillis(key);
    long maxAge = remaining < 0 ? ttl : remaining / 1000;
    String cacheControl = publicOrPrivate + maxAge;
    String ifNoneMatch = ex.header(HttpHeaders.IF_NONE_MATCH);
    // Preconditions apply to 2xx answers only (RFC 9110, section 13.2.1): a 404 stays a 404.
    if (ifNoneMatch != null && r.status() >= 200 && r.status() < 300 && matches(ifNoneMatch, r.etag())) {
      HttpServerResponse response = ex.response();
      response.setStatusCode(304).putHeader(HttpHeaders.ETAG, r.etag())
          .putHeader(HttpHeaders.CACHE_CONTROL, cacheControl);
      if (varyHeader != null) {
        response.putHeader(HttpHeaders.VARY, varyHeader);
      }
      response.end();
      return;
    }
    send(ex, r, cacheControl);
  }

  private void send(Exchange ex, CachedResponse r, String cacheControl) {
    HttpServerResponse response = ex.response();
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
    if (ex.head()) {
      ex.endHead(r.body().length);
    } else if (r.body().length == 0) {
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

  /** The value as the route's {@link ResultWriter} writes it: status, headers, body. */
  private static CachedResponse encode(Exchange ex, Object value) throws Exception {
    CachedResponse.Recorder recorder = new CachedResponse.Recorder();
    ex.plan().writer().write(value, recorder);
    return recorder.response();
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
