package dev.bulwark.web.assets;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * gzip output of assets that have no precompressed sibling, computed once per asset on a Vert.x
 * worker thread and kept in a Caffeine cache bounded by total bytes (an evicted entry is simply
 * computed again). Concurrent first requests for one asset share one computation (Caffeine's
 * async cache holds the pending future). An asset whose gzip form is not smaller than 90% of the
 * original is remembered as not worth compressing (an empty buffer) and sent as it is.
 * Thread-safe; {@link #get} completes on the caller's context.
 */
public final class GzipCache {

  /** Files smaller than this are never compressed: the saving is less than the headers. */
  public static final long MIN_SIZE = 256;

  private final Vertx vertx;
  private final AsyncCache<String, Buffer> cache;
  private final long maxFileSize;

  /**
   * @param maxBytes bytes of output kept (> 0)
   * @param maxFileSize the largest file compressed
   */
  public GzipCache(Vertx vertx, long maxBytes, long maxFileSize) {
    this.vertx = vertx;
    this.maxFileSize = maxFileSize;
    this.cache = Caffeine.newBuilder()
        // Eviction bookkeeping runs on the calling thread: a few map operations, no I/O, and the
        // bound holds as soon as a put returns rather than whenever a pool thread gets to it.
        .executor(Runnable::run)
        .maximumWeight(maxBytes)
        .<String, Buffer>weigher((k, v) -> Math.max(1, v.length()))
        .buildAsync();
  }

  /** Whether {@code asset} may be compressed here at all. */
  public boolean eligible(Asset asset) {
    return asset.compressible() && asset.gzip() == null && asset.length() >= MIN_SIZE
        && asset.length() <= maxFileSize;
  }

  /**
   * The gzip form of {@code asset}, or an empty buffer when it is not worth sending compressed.
   * Must be called on a Vert.x context; completes on it.
   */
  public Future<Buffer> get(Asset asset) {
    Context context = vertx.getOrCreateContext();
    return Future.fromCompletionStage(cache.get(asset.name(), (name, executor) ->
        vertx.executeBlocking(() -> compress(asset), false).toCompletionStage().toCompletableFuture()),
        context);
  }

  /** Bytes of output currently kept (for tests and diagnostics). */
  public long weightedSize() {
    cache.synchronous().cleanUp();
    return cache.synchronous().policy().eviction().orElseThrow().weightedSize().orElse(0);
  }

  private static Buffer compress(Asset asset) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream((int) Math.min(asset.length(), 1 << 20));
    try (InputStream in = Files.newInputStream(asset.file());
        OutputStream out = new GZIPOutputStream(bytes, 8192) {
          {
            def.setLevel(Deflater.BEST_COMPRESSION);
          }
        }) {
      in.transferTo(out);
    }
    if (bytes.size() >= asset.length() * 9 / 10) {
      return Buffer.buffer();
    }
    return Buffer.buffer(bytes.toByteArray());
  }

  /** gzip of {@code asset} at the best level, whatever the gain (for exported files). */
  static byte[] gzip(Asset asset) throws IOException {
    Buffer b = compress(asset);
    return b.length() == 0 ? null : b.getBytes();
  }
}
