package dev.bulwark.web.assets;

import dev.bulwark.web.StaticAssetsOptions.StaleHash;
import dev.bulwark.web.impl.Errors;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * Answers one request for a static file on plain Vert.x request and response objects.
 *
 * <p>Design note. Every decision is a lookup in the {@link AssetCatalog} built at start; the steps
 * are: method (GET/HEAD, else 405), path (prefix, {@link RequestPath} decoding, catalog lookup,
 * else a JSON 400/404), representation (identity when a {@code Range} applies, else br or gzip
 * by {@code Accept-Encoding}: a sibling file, or the {@link GzipCache}), preconditions
 * ({@code If-None-Match}, else {@code If-Modified-Since}: 304), then the body: {@code sendFile}
 * for files (the kernel copies, not the heap), a cached buffer for on-the-fly gzip, nothing for
 * HEAD. A fingerprinted name is cached for a year and {@code immutable}; a logical or stale name
 * gets {@code no-cache} with the ETag, so every use revalidates. Stateless apart from its
 * collaborators; thread-safe; {@link #handle} runs on the request's event loop and never blocks
 * it (compression runs on a worker).
 */
public final class AssetHandler implements Handler<HttpServerRequest> {

  /** {@code Cache-Control} of a fingerprinted name. */
  public static final String IMMUTABLE = "public, max-age=31536000, immutable";
  /** {@code Cache-Control} of a logical or stale name. */
  public static final String REVALIDATE = "no-cache";
  private static final DateTimeFormatter HTTP_DATE =
      DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

  private final String prefix;
  private final AssetCatalog catalog;
  private final GzipCache gzip;
  private final StaleHash staleHash;
  private final AssetMetrics metrics;

  /**
   * @param prefix the URL prefix, without a trailing '/'
   * @param gzip the on-the-fly gzip cache, or {@code null} for none
   */
  public AssetHandler(String prefix, AssetCatalog catalog, GzipCache gzip, StaleHash staleHash,
      AssetMetrics metrics) {
    this.prefix = prefix + "/";
    this.catalog = catalog;
    this.gzip = gzip;
    this.staleHash = staleHash;
    this.metrics = metrics;
  }

  @Override
  public void handle(HttpServerRequest request) {
    metrics.requests.increment();
    HttpServerResponse response = request.response();
    HttpMethod method = request.method();
    if (method != HttpMethod.GET && method != HttpMethod.HEAD) {
      response.putHeader(HttpHeaders.ALLOW, "GET, HEAD");
      Errors.send(response, 405, "method " + method + " is not allowed for static assets");
      return;
    }
    String path = request.path();
    if (path == null || !path.startsWith(prefix)) {
      Errors.send(response, 404, "no such asset");
      return;
    }
    String name;
    try {
      name = RequestPath.decode(path.substring(prefix.length()));
    } catch (RequestPath.Refused e) {
      Errors.send(response, e.status(), e.status() == 404 ? "no such asset" : e.getMessage());
      return;
    }
    AssetCatalog.Hit hit = catalog.resolve(name);
    if (hit == null || hit.kind() == AssetCatalog.Kind.STALE && staleHash == StaleHash.NOT_FOUND) {
      Errors.send(response, 404, "no such asset");
      return;
    }
    serve(request, response, hit);
  }

  private void serve(HttpServerRequest request, HttpServerResponse response, AssetCatalog.Hit hit) {
    Asset asset = hit.asset();
    MultiMap headers = response.headers();
    headers.set(HttpHeaders.CACHE_CONTROL, hit.kind() == AssetCatalog.Kind.HASHED ? IMMUTABLE : REVALIDATE);
    headers.set(HttpHeaders.CONTENT_TYPE, asset.contentType());
    headers.set(HttpHeaders.LAST_MODIFIED, HTTP_DATE.format(Instant.ofEpochSecond(asset.lastModified())));
    headers.set(HttpHeaders.ACCEPT_RANGES, "bytes");
    headers.set("X-Content-Type-Options", "nosniff");
    boolean gzipOnTheFly = gzip != null && gzip.eligible(asset);
    if (asset.brotli() != null || asset.gzip() != null || gzipOnTheFly) {
      headers.set(HttpHeaders.VARY, "Accept-Encoding");
    }
    Negotiation.ByteRange range = request.method() == HttpMethod.GET
        && ifRangeHolds(request.getHeader("If-Range"), asset)
        ? Negotiation.range(request.getHeader("Range"), asset.length()) : null;
    if (range != null) {
      sendRange(request, response, asset, range);
      return;
    }
    String coding = Negotiation.chooseEncoding(request.getHeader(HttpHeaders.ACCEPT_ENCODING),
        asset.brotli() != null, asset.gzip() != null || gzipOnTheFly);
    if ("br".equals(coding)) {
      sendFile(request, response, asset, asset.etag("br"), "br", asset.brotli().file(), asset.brotli().length());
    } else if ("gzip".equals(coding) && asset.gzip() != null) {
      sendFile(request, response, asset, asset.etag("gzip"), "gzip", asset.gzip().file(), asset.gzip().length());
    } else if ("gzip".equals(coding)) {
      gzip.get(asset).onComplete(ar -> {
        if (response.closed()) {
          return;
        }
        if (ar.failed()) {
          Errors.handle(request, ar.cause());
        } else if (ar.result().length() == 0) {
          sendFile(request, response, asset, asset.etag(), null, asset.file(), asset.length());
        } else {
          sendBuffer(request, response, asset, ar.result());
        }
      });
    } else {
      sendFile(request, response, asset, asset.etag(), null, asset.file(), asset.length());
    }
  }

  private void sendFile(HttpServerRequest request, HttpServerResponse response, Asset asset,
      String etag, String coding, Path file, long length) {
    if (notModified(request, response, asset, etag)) {
      return;
    }
    if (coding != null) {
      response.putHeader(HttpHeaders.CONTENT_ENCODING, coding);
      metrics.compressed.increment();
    }
    response.putHeader(HttpHeaders.CONTENT_LENGTH, Long.toString(length));
    if (request.method() == HttpMethod.HEAD) {
      response.end();
      return;
    }
    metrics.files.increment();
    metrics.bytes.increment(length);
    response.sendFile(file.toString(), 0, length).onFailure(e -> failed(request, e));
  }

  private void sendBuffer(HttpServerRequest request, HttpServerResponse response, Asset asset,
      Buffer gzipped) {
    if (notModified(request, response, asset, asset.etag("gzip"))) {
      return;
    }
    metrics.compressed.increment();
    response.putHeader(HttpHeaders.CONTENT_ENCODING, "gzip");
    response.putHeader(HttpHeaders.CONTENT_LENGTH, Integer.toString(gzipped.length()));
    if (request.method() == HttpMethod.HEAD) {
      response.end();
      return;
    }
    metrics.files.increment();
    metrics.bytes.increment(gzipped.length());
    response.end(gzipped);
  }

  private void sendRange(HttpServerRequest request, HttpServerResponse response, Asset asset,
      Negotiation.ByteRange range) {
    if (notModified(request, response, asset, asset.etag())) {
      return;
    }
    response.putHeader(HttpHeaders.ETAG, asset.etag());
    if (range == Negotiation.UNSATISFIABLE) {
      response.putHeader(HttpHeaders.CONTENT_RANGE, "bytes */" + asset.length());
      Errors.send(response, 416, "range not satisfiable for a file of " + asset.length() + " bytes");
      return;
    }
    response.setStatusCode(206);
    response.putHeader(HttpHeaders.CONTENT_RANGE,
        "bytes " + range.first() + "-" + range.last() + "/" + asset.length());
    response.putHeader(HttpHeaders.CONTENT_LENGTH, Long.toString(range.length()));
    metrics.files.increment();
    metrics.bytes.increment(range.length());
    response.sendFile(asset.file().toString(), range.first(), range.length())
        .onFailure(e -> failed(request, e));
  }

  /**
   * A send that failed: a client that left is expected (nothing to answer, nothing to log); any
   * other failure (the file vanished since start) is a 500 through {@link Errors}.
   */
  private static void failed(HttpServerRequest request, Throwable e) {
    if (!request.response().closed()) {
      Errors.handle(request, e);
    }
  }

  /** Sets the ETag; answers 304 and returns true when a precondition says the client has it. */
  private boolean notModified(HttpServerRequest request, HttpServerResponse response, Asset asset,
      String etag) {
    response.putHeader(HttpHeaders.ETAG, etag);
    String ifNoneMatch = request.getHeader(HttpHeaders.IF_NONE_MATCH);
    boolean fresh;
    if (ifNoneMatch != null) {
      fresh = Negotiation.noneMatchHits(ifNoneMatch, etag);
    } else {
      Long since = parseDate(request.getHeader(HttpHeaders.IF_MODIFIED_SINCE));
      fresh = since != null && asset.lastModified() <= since;
    }
    if (!fresh) {
      return false;
    }
    metrics.notModified.increment();
    response.headers().remove(HttpHeaders.CONTENT_TYPE);
    response.setStatusCode(304).end();
    return true;
  }

  /** Whether a {@code Range} may apply: no {@code If-Range}, or one naming the current file. */
  private static boolean ifRangeHolds(String ifRange, Asset asset) {
    if (ifRange == null) {
      return true;
    }
    String v = ifRange.trim();
    if (v.startsWith("\"")) {
      return v.equals(asset.etag());
    }
    Long date = parseDate(v);
    return date != null && date == asset.lastModified();
  }

  private static Long parseDate(String value) {
    if (value == null) {
      return null;
    }
    try {
      return ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toEpochSecond();
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
