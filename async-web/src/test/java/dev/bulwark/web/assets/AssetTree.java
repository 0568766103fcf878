package dev.bulwark.web.assets;

import dev.bulwark.web.StaticAssets;
import dev.bulwark.web.StaticAssetsOptions;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.zip.GZIPOutputStream;

/**
 * A served asset root for tests, planted beside a secret it must never leak: under {@code base},
 * {@code secret.txt} and {@code root/} with text, a binary, precompressed siblings, hidden files,
 * and symbolic links leaving the root; and a plain Vert.x server whose only handler is the
 * {@link StaticAssets}, on a free loopback port.
 */
final class AssetTree implements AutoCloseable {

  /** Bytes that only files outside the root or hidden ones hold. */
  static final String SECRET = "TOP-SECRET-7f3c9e1d";
  /** app.js: compressible, no sibling, above the gzip minimum. */
  static final String APP_JS = "// app\n" + "console.log('bulwark static assets');\n".repeat(40);
  static final String SITE_CSS = "body { color: #333; }\n".repeat(30);
  /** The pretend brotli bytes of css/site.css.br (siblings are sent as they are). */
  static final byte[] SITE_CSS_BR = "BROTLI-BYTES-OF-SITE-CSS".getBytes(StandardCharsets.US_ASCII);

  final Path base;
  final Path root;
  final Vertx vertx;
  final StaticAssets assets;
  final HttpServer server;

  private AssetTree(Path base, Path root, Vertx vertx, StaticAssets assets, HttpServer server) {
    this.base = base;
    this.root = root;
    this.vertx = vertx;
    this.assets = assets;
    this.server = server;
  }

  static AssetTree start(UnaryOperator<StaticAssetsOptions.Builder> options) throws Exception {
    Path base = Files.createTempDirectory("assets-test-");
    Path root = Files.createDirectory(base.resolve("root"));
    plant(base, root);
    Vertx vertx = Vertx.vertx();
    StaticAssets assets = StaticAssets.create(vertx,
        options.apply(StaticAssetsOptions.builder().directory(root)).build());
    HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1"))
        .requestHandler(assets).listen(0).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    return new AssetTree(base, root, vertx, assets, server);
  }

  static void plant(Path base, Path root) throws IOException {
    Files.writeString(base.resolve("secret.txt"), SECRET);
    Files.writeString(root.resolve("app.js"), APP_JS);
    Path css = Files.createDirectory(root.resolve("css"));
    Files.writeString(css.resolve("site.css"), SITE_CSS);
    Files.write(css.resolve("site.css.gz"), gzip(SITE_CSS.getBytes(StandardCharsets.UTF_8)));
    Files.write(css.resolve("site.css.br"), SITE_CSS_BR);
    byte[] binary = new byte[100_000];
    for (int i = 0; i < binary.length; i++) {
      binary[i] = (byte) (i * 31 + (i >> 8));
    }
    Files.write(root.resolve("data.bin"), binary);
    Files.writeString(root.resolve("empty.txt"), "");
    Files.writeString(root.resolve(".env"), SECRET);
    Path git = Files.createDirectory(root.resolve(".git"));
    Files.writeString(git.resolve("config"), SECRET);
    Path hiddenDir = Files.createDirectory(css.resolve(".private"));
    Files.writeString(hiddenDir.resolve("key.txt"), SECRET);
    Files.createSymbolicLink(root.resolve("link.txt"), base.resolve("secret.txt"));
    Files.createSymbolicLink(root.resolve("up"), base);
    Files.writeString(root.resolve(".manifest.json"), "{\"x\":\"" + SECRET + "\"}");
  }

  static byte[] gzip(byte[] data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    }
    return out.toByteArray();
  }

  int port() {
    return server.actualPort();
  }

  RawHttp.Answer get(String target, String... headers) {
    return RawHttp.exchange(port(), "GET", target, headers);
  }

  @Override
  public void close() throws Exception {
    assets.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    try (var paths = Files.walk(base)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.delete(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }
  }
}
