package dev.bulwark.web;

import dev.bulwark.web.assets.Asset;
import dev.bulwark.web.assets.AssetCatalog;
import dev.bulwark.web.assets.AssetHandler;
import dev.bulwark.web.assets.AssetMetrics;
import dev.bulwark.web.assets.ClasspathFolder;
import dev.bulwark.web.assets.Exporter;
import dev.bulwark.web.assets.GzipCache;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

/**
 * Static files with content-hashed names, for serving behind a CDN. At creation it walks the
 * directory (or classpath folder) once and builds a manifest mapping each file to a fingerprinted
 * name ({@code app.js} to {@code app.3f9a2b1c.js}, from the SHA-256 of its content);
 * {@link #url(String)} gives that name's URL, on the CDN when one is configured, so pages never
 * hard-code a hash. Fingerprinted names are served {@code public, max-age=31536000, immutable};
 * logical names and stale fingerprints revalidate ({@code no-cache}). Strong ETags, 304, HEAD,
 * one byte range, {@code .br}/{@code .gz} siblings and bounded on-the-fly gzip; only files found
 * at start are ever served (see {@link AssetCatalog}).
 *
 * <pre>{@code
 * StaticAssets assets = StaticAssets.create(vertx, StaticAssetsOptions.builder()
 *     .classpath("assets").cdnBaseUrl("https://cdn.example.com").build());
 * assets.mountOn(router);                 // GET/HEAD /assets/*
 * String script = assets.url("app.js");   // https://cdn.example.com/assets/app.3f9a2b1c.js
 * }</pre>
 *
 * <p>Immutable after creation and thread-safe; {@link #handle} runs on the request's event loop
 * and never blocks it. {@link #create} blocks (it reads and hashes every file): call it at start.
 */
public final class StaticAssets implements Handler<HttpServerRequest>, AutoCloseable {

  private final StaticAssetsOptions options;
  private final AssetCatalog catalog;
  private final AssetHandler handler;
  private final AssetMetrics metrics;
  private final ClasspathFolder.Extracted extracted;

  private StaticAssets(StaticAssetsOptions options, AssetCatalog catalog, AssetHandler handler,
      AssetMetrics metrics, ClasspathFolder.Extracted extracted) {
    this.options = options;
    this.catalog = catalog;
    this.handler = handler;
    this.metrics = metrics;
    this.extracted = extracted;
  }

  /**
   * Scans and hashes the files and registers the meters. Blocks on file I/O.
   *
   * @throws IllegalArgumentException when the classpath folder does not exist
   * @throws IllegalStateException when a limit is exceeded or a {@code .gz} sibling is stale
   * @throws java.io.UncheckedIOException when the files cannot be read
   */
  public static StaticAssets create(Vertx vertx, StaticAssetsOptions options) {
    ClasspathFolder.Extracted extracted = null;
    Path root = options.directory();
    if (root == null) {
      ClassLoader loader = Thread.currentThread().getContextClassLoader();
      extracted = ClasspathFolder.extract(loader != null ? loader : StaticAssets.class.getClassLoader(),
          options.classpath(), options.maxClasspathBytes());
      root = extracted.root();
    }
    try {
      AssetCatalog catalog = AssetCatalog.scan(root, options.hashLength(), options.maxFiles());
      GzipCache gzip = options.compressionCacheBytes() == 0 ? null
          : new GzipCache(vertx, options.compressionCacheBytes(), options.maxCompressFileSize());
      AssetMetrics metrics = new AssetMetrics(options.meterRegistry(), options.name());
      AssetHandler handler = new AssetHandler(options.prefix(), catalog, gzip, options.staleHash(), metrics);
      return new StaticAssets(options, catalog, handler, metrics, extracted);
    } catch (RuntimeException e) {
      if (extracted != null) {
        extracted.close();
      }
      throw e;
    }
  }

  /**
   * The URL of the current version of {@code name} (a logical name relative to the root, such as
   * {@code app.js} or {@code css/site.css}): the CDN base, the prefix and the fingerprinted name.
   *
   * @throws IllegalArgumentException when no such file was found at start
   */
  public String url(String name) {
    Asset asset = name == null ? null : catalog.byName(name);
    if (asset == null) {
      throw new IllegalArgumentException("no asset named '" + name + "' under "
          + (options.directory() != null ? options.directory() : "classpath:" + options.classpath()));
    }
    StringBuilder url = new StringBuilder(options.cdnBaseUrl()).append(options.prefix());
    for (String segment : asset.hashedName().split("/")) {
      url.append('/').append(URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20"));
    }
    return url.toString();
  }

  /** Logical name to fingerprinted name, as found at start, sorted by logical name. */
  public Map<String, String> manifest() {
    return catalog.manifest();
  }

  /** The options this was created with. */
  public StaticAssetsOptions options() {
    return options;
  }

  /**
   * Answers {@code request} (any path; only {@code prefix/...} can succeed): the file, 304, 206,
   * or a JSON error (400, 404, 405, 416). Runs on the request's event loop.
   */
  @Override
  public void handle(HttpServerRequest request) {
    handler.handle(request);
  }

  /** A vertx-web handler for routes of {@code prefix/*}. */
  public Handler<RoutingContext> routingHandler() {
    return ctx -> handler.handle(ctx.request());
  }

  /** Adds {@code GET} and {@code HEAD} (and a JSON 405 for other methods) of {@code prefix/*}. */
  public Router mountOn(Router router) {
    router.route(options.prefix() + "/*").handler(routingHandler());
    return router;
  }

  /**
   * Writes every file under its fingerprinted name into {@code directory}, with its {@code .br}
   * sibling and a {@code .gz} (its sibling, or made here when smaller), for a web server or CDN
   * origin to serve directly (nginx {@code gzip_static}). Blocks on file I/O.
   */
  public void exportTo(Path directory) {
    Exporter.export(catalog, directory);
  }

  /**
   * Removes the meters and deletes the extracted classpath copy, if any (a shutdown hook deletes
   * it when the JVM exits without this call). Blocks on file I/O.
   */
  @Override
  public void close() {
    metrics.close();
    if (extracted != null) {
      extracted.close();
    }
  }
}
