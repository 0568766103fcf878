package dev.bulwark.web.assets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bulwark.web.StaticAssets;
import dev.bulwark.web.StaticAssetsOptions;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Classpath folders (from a directory and from a jar, extracted at start), the vertx-web adapter,
 * and the export for a web server.
 */
class ClasspathAndRouterTest {

  private Vertx vertx;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private int serve(Router router) throws Exception {
    HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    return server.actualPort();
  }

  @Test
  void classpathDirectory_isServedThroughTheRouterAdapter() throws Exception {
    try (StaticAssets assets = StaticAssets.create(vertx,
        StaticAssetsOptions.builder().classpath("static-test").prefix("/static").build())) {
      int port = serve(assets.mountOn(Router.router(vertx)));

      RawHttp.Answer js = RawHttp.exchange(port, "GET", assets.url("main.js"));
      RawHttp.Answer svg = RawHttp.exchange(port, "GET", assets.url("img/dot.svg"));
      RawHttp.Answer post = RawHttp.exchange(port, "POST", assets.url("main.js"), "Content-Length: 0");

      assertThat(assets.manifest()).containsOnlyKeys("main.js", "img/dot.svg");
      assertThat(js.status()).isEqualTo(200);
      assertThat(js.text()).contains("hello from the classpath");
      assertThat(js.header("cache-control")).isEqualTo("public, max-age=31536000, immutable");
      assertThat(svg.header("content-type")).isEqualTo("image/svg+xml; charset=utf-8");
      assertThat(post.status()).isEqualTo(405);
    }
  }

  @Test
  void classpathJar_isExtractedWithItsEntryTimesAndDeletedOnClose(@org.junit.jupiter.api.io.TempDir Path dir)
      throws Exception {
    Path jar = dir.resolve("assets.jar");
    long time = 1_700_000_000_000L;
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
      out.putNextEntry(new JarEntry("web/"));
      out.closeEntry();
      entry(out, "web/app.js", "console.log(1);", time);
      entry(out, "web/.secret", "no", time);
      entry(out, "web/../evil.js", "zip slip", time);
      entry(out, "other/x.js", "not under web", time);
    }
    ClassLoader previous = Thread.currentThread().getContextClassLoader();
    try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
      Thread.currentThread().setContextClassLoader(loader);
      StaticAssets assets = StaticAssets.create(vertx, StaticAssetsOptions.builder().classpath("web").build());
      Thread.currentThread().setContextClassLoader(previous);
      int port = serve(assets.mountOn(Router.router(vertx)));
      RawHttp.Answer r = RawHttp.exchange(port, "GET", assets.url("app.js"));

      assertThat(assets.manifest()).containsOnlyKeys("app.js");
      assertThat(r.text()).isEqualTo("console.log(1);");
      assertThat(r.header("last-modified")).isEqualTo("Tue, 14 Nov 2023 22:13:20 GMT");
      assertThat(Files.exists(dir.resolve("evil.js"))).isFalse();
      assets.close();
    } finally {
      Thread.currentThread().setContextClassLoader(previous);
    }
  }

  @Test
  void classpath_overTheByteLimitFailsAtStart() {
    assertThatThrownBy(() -> StaticAssets.create(vertx,
        StaticAssetsOptions.builder().classpath("static-test").maxClasspathBytes(10).build()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("maxClasspathBytes=10");
    assertThatThrownBy(() -> StaticAssets.create(vertx,
        StaticAssetsOptions.builder().classpath("no-such-folder").build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("classpath folder 'no-such-folder' not found");
  }

  @Test
  void exportTo_writesFingerprintedFilesGzipSiblingsAndAHiddenManifest(@org.junit.jupiter.api.io.TempDir Path dir)
      throws Exception {
    Path base = dir.resolve("src");
    Path root = Files.createDirectories(base.resolve("root"));
    AssetTree.plant(base, root);
    try (StaticAssets assets = StaticAssets.create(vertx, StaticAssetsOptions.builder().directory(root).build())) {
      Path out = dir.resolve("out");

      assets.exportTo(out);

      Map<String, String> manifest = assets.manifest();
      Path js = out.resolve(manifest.get("app.js"));
      assertThat(Files.readString(js)).isEqualTo(AssetTree.APP_JS);
      assertThat(Files.exists(out.resolve(manifest.get("app.js") + ".gz"))).isTrue();
      assertThat(Files.readAllBytes(out.resolve(manifest.get("css/site.css") + ".br")))
          .isEqualTo(AssetTree.SITE_CSS_BR);
      assertThat(Files.exists(out.resolve(manifest.get("data.bin") + ".gz"))).isFalse();
      assertThat(Files.getLastModifiedTime(js).toInstant().getEpochSecond())
          .isEqualTo(Files.getLastModifiedTime(root.resolve("app.js")).toInstant().getEpochSecond());
      assertThat(Files.readString(out.resolve(Exporter.MANIFEST))).contains("\"app.js\" : \"" + manifest.get("app.js") + "\"");
      try (var files = Files.walk(out)) {
        assertThat(files.filter(Files::isRegularFile).map(p -> out.relativize(p).toString()))
            .noneMatch(p -> p.contains("secret") || p.contains(".env") || p.contains(".git") || p.contains("link"));
      }
    }
  }

  @Test
  void sweepStale_deletesCopiesOfDeadProcessesOnly(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
    Process finished = new ProcessBuilder("true").start();
    assertThat(finished.waitFor(10, TimeUnit.SECONDS)).isTrue();
    Path dead = Files.createDirectories(tmp.resolve("bulwark-assets-dead").resolve("img"));
    Files.writeString(dead.getParent().resolve(".owner"), Long.toString(finished.pid()));
    Path alive = Files.createDirectory(tmp.resolve("bulwark-assets-alive"));
    Files.writeString(alive.resolve(".owner"), Long.toString(ProcessHandle.current().pid()));
    Path unowned = Files.createDirectory(tmp.resolve("bulwark-assets-starting"));
    Path other = Files.createDirectory(tmp.resolve("something-else"));
    Files.writeString(other.resolve(".owner"), Long.toString(finished.pid()));

    ClasspathFolder.sweepStale(tmp);

    assertThat(dead.getParent()).doesNotExist();
    assertThat(alive).exists();
    assertThat(unowned).exists();
    assertThat(other).exists();
  }

  private static void entry(JarOutputStream out, String name, String content, long time) throws Exception {
    JarEntry e = new JarEntry(name);
    e.setTime(time);
    out.putNextEntry(e);
    OutputStream o = out;
    o.write(content.getBytes(StandardCharsets.UTF_8));
    out.closeEntry();
  }
}
