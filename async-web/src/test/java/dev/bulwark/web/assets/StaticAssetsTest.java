package dev.bulwark.web.assets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bulwark.web.StaticAssets;
import dev.bulwark.web.StaticAssetsOptions;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** HTTP behaviour of {@link StaticAssets} over loopback, on a plain Vert.x server. */
class StaticAssetsTest {

  private static final SimpleMeterRegistry REGISTRY = new SimpleMeterRegistry();
  private static AssetTree tree;

  @BeforeAll
  static void start() throws Exception {
    tree = AssetTree.start(b -> b.meterRegistry(REGISTRY).name("test"));
  }

  @AfterAll
  static void stop() throws Exception {
    tree.close();
  }

  private static String hashed(String name) {
    return tree.assets.url(name);
  }

  @Test
  void manifest_fingerprintsEveryServableFileAndNothingElse() {
    assertThat(tree.assets.manifest()).containsOnlyKeys("app.js", "css/site.css", "data.bin", "empty.txt");
    assertThat(tree.assets.manifest().get("app.js")).matches("app\\.[0-9a-f]{8}\\.js");
    assertThat(tree.assets.manifest().get("css/site.css")).matches("css/site\\.[0-9a-f]{8}\\.css");
    assertThat(hashed("app.js")).isEqualTo("/assets/" + tree.assets.manifest().get("app.js"));
  }

  @Test
  void url_putsTheCdnBaseBeforeThePrefix() throws Exception {
    try (StaticAssets cdn = StaticAssets.create(tree.vertx, StaticAssetsOptions.builder()
        .directory(tree.root).cdnBaseUrl("https://cdn.example.com").prefix("/static").build())) {
      assertThat(cdn.url("css/site.css"))
          .isEqualTo("https://cdn.example.com/static/" + tree.assets.manifest().get("css/site.css"));
      assertThatThrownBy(() -> cdn.url("missing.js"))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no asset named 'missing.js'");
    }
  }

  @Test
  void hashedName_isImmutableWithStrongEtagAndLastModified() {
    RawHttp.Answer r = tree.get(hashed("app.js"));

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.text()).isEqualTo(AssetTree.APP_JS);
    assertThat(r.header("cache-control")).isEqualTo("public, max-age=31536000, immutable");
    assertThat(r.header("etag")).matches("\"[0-9a-f]{32}\"");
    assertThat(r.header("last-modified")).endsWith(" GMT");
    assertThat(r.header("content-type")).isEqualTo("text/javascript; charset=utf-8");
    assertThat(r.header("content-length")).isEqualTo(Integer.toString(AssetTree.APP_JS.length()));
    assertThat(r.header("vary")).isEqualTo("Accept-Encoding");
  }

  @Test
  void plainName_revalidatesWithTheSameEtag() {
    RawHttp.Answer plain = tree.get("/assets/app.js");
    RawHttp.Answer fingerprinted = tree.get(hashed("app.js"));

    assertThat(plain.status()).isEqualTo(200);
    assertThat(plain.header("cache-control")).isEqualTo("no-cache");
    assertThat(plain.header("etag")).isEqualTo(fingerprinted.header("etag"));
  }

  @Test
  void staleHash_servesCurrentContentWithNoCache() {
    RawHttp.Answer r = tree.get("/assets/app.0123abcd.js");

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.text()).isEqualTo(AssetTree.APP_JS);
    assertThat(r.header("cache-control")).isEqualTo("no-cache");
  }

  @Test
  void staleHash_is404WhenConfiguredSo() throws Exception {
    try (AssetTree strict = AssetTree.start(b -> b.staleHash(StaticAssetsOptions.StaleHash.NOT_FOUND))) {
      assertThat(strict.get("/assets/app.0123abcd.js").status()).isEqualTo(404);
      assertThat(strict.get(strict.assets.url("app.js")).status()).isEqualTo(200);
    }
  }

  @Test
  void ifNoneMatch_gives304WithoutBody() {
    String etag = tree.get(hashed("data.bin")).header("etag");

    RawHttp.Answer r = tree.get(hashed("data.bin"), "If-None-Match: W/\"other\", " + etag);
    RawHttp.Answer changed = tree.get(hashed("data.bin"), "If-None-Match: \"other\"");

    assertThat(r.status()).isEqualTo(304);
    assertThat(r.body()).isEmpty();
    assertThat(r.header("etag")).isEqualTo(etag);
    assertThat(r.header("cache-control")).isEqualTo("public, max-age=31536000, immutable");
    assertThat(changed.status()).isEqualTo(200);
  }

  @Test
  void ifModifiedSince_gives304UnlessIfNoneMatchIsThere() {
    String lastModified = tree.get(hashed("data.bin")).header("last-modified");

    assertThat(tree.get(hashed("data.bin"), "If-Modified-Since: " + lastModified).status()).isEqualTo(304);
    assertThat(tree.get(hashed("data.bin"), "If-Modified-Since: " + lastModified,
        "If-None-Match: \"other\"").status()).isEqualTo(200);
  }

  @Test
  void head_hasTheHeadersOfGetAndNoBody() {
    RawHttp.Answer r = RawHttp.exchange(tree.port(), "HEAD", hashed("data.bin"));

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("content-length")).isEqualTo("100000");
    assertThat(r.header("content-type")).isEqualTo("application/octet-stream");
    assertThat(r.body()).isEmpty();
  }

  @Test
  void range_gives206WithTheBytesAsked() throws Exception {
    byte[] all = Files.readAllBytes(tree.root.resolve("data.bin"));

    RawHttp.Answer middle = tree.get(hashed("data.bin"), "Range: bytes=1000-1999");
    RawHttp.Answer suffix = tree.get(hashed("data.bin"), "Range: bytes=-10", "Accept-Encoding: gzip");
    RawHttp.Answer open = tree.get(hashed("data.bin"), "Range: bytes=99990-");

    assertThat(middle.status()).isEqualTo(206);
    assertThat(middle.header("content-range")).isEqualTo("bytes 1000-1999/100000");
    assertThat(middle.body()).isEqualTo(Arrays.copyOfRange(all, 1000, 2000));
    assertThat(suffix.header("content-range")).isEqualTo("bytes 99990-99999/100000");
    assertThat(suffix.header("content-encoding")).isNull();
    assertThat(suffix.body()).isEqualTo(Arrays.copyOfRange(all, 99990, 100000));
    assertThat(open.body()).isEqualTo(Arrays.copyOfRange(all, 99990, 100000));
  }

  @Test
  void range_outsideTheFileGives416WithContentRange() {
    RawHttp.Answer r = tree.get(hashed("data.bin"), "Range: bytes=100000-");

    assertThat(r.status()).isEqualTo(416);
    assertThat(r.header("content-range")).isEqualTo("bytes */100000");
    assertThat(r.header("content-type")).isEqualTo("application/json");
    assertThat(r.text()).startsWith("{\"error\":");
  }

  @Test
  void range_severalRangesOrAStaleIfRangeGiveTheWholeFile() {
    assertThat(tree.get(hashed("data.bin"), "Range: bytes=0-1,5-6").status()).isEqualTo(200);
    assertThat(tree.get(hashed("data.bin"), "Range: bytes=0-1", "If-Range: \"old\"").status()).isEqualTo(200);
    String etag = tree.get(hashed("data.bin")).header("etag");
    assertThat(tree.get(hashed("data.bin"), "Range: bytes=0-1", "If-Range: " + etag).status()).isEqualTo(206);
  }

  @Test
  void brotliSibling_isPreferredWhenAccepted() {
    RawHttp.Answer r = tree.get(hashed("css/site.css"), "Accept-Encoding: gzip, deflate, br");

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("content-encoding")).isEqualTo("br");
    assertThat(r.header("vary")).isEqualTo("Accept-Encoding");
    assertThat(r.body()).isEqualTo(AssetTree.SITE_CSS_BR);
    assertThat(r.header("etag")).endsWith("-br\"");
    assertThat(r.header("content-type")).isEqualTo("text/css; charset=utf-8");
  }

  @Test
  void gzipSibling_winsWhenItsQualityIsHigher() throws Exception {
    RawHttp.Answer r = tree.get(hashed("css/site.css"), "Accept-Encoding: br;q=0.5, gzip;q=0.9");
    RawHttp.Answer noBr = tree.get(hashed("css/site.css"), "Accept-Encoding: br;q=0, *");

    assertThat(r.header("content-encoding")).isEqualTo("gzip");
    assertThat(gunzip(r.body())).isEqualTo(AssetTree.SITE_CSS);
    assertThat(noBr.header("content-encoding")).isEqualTo("gzip");
  }

  @Test
  void identity_whenNoEncodingIsAcceptable() {
    RawHttp.Answer r = tree.get(hashed("css/site.css"), "Accept-Encoding: gzip;q=0, br;q=0");

    assertThat(r.header("content-encoding")).isNull();
    assertThat(r.text()).isEqualTo(AssetTree.SITE_CSS);
    assertThat(r.header("vary")).isEqualTo("Accept-Encoding");
  }

  @Test
  void compressibleFileWithoutSibling_isGzippedOnceAndKept() throws Exception {
    RawHttp.Answer first = tree.get(hashed("app.js"), "Accept-Encoding: gzip");
    RawHttp.Answer second = tree.get(hashed("app.js"), "Accept-Encoding: gzip");
    RawHttp.Answer notModified = tree.get(hashed("app.js"), "Accept-Encoding: gzip",
        "If-None-Match: " + first.header("etag"));

    assertThat(first.header("content-encoding")).isEqualTo("gzip");
    assertThat(gunzip(first.body())).isEqualTo(AssetTree.APP_JS);
    assertThat(first.body().length).isLessThan(AssetTree.APP_JS.length() / 2);
    assertThat(second.body()).isEqualTo(first.body());
    assertThat(first.header("etag")).endsWith("-gzip\"");
    assertThat(notModified.status()).isEqualTo(304);
  }

  @Test
  void binaryFile_isNeverCompressed() {
    RawHttp.Answer r = tree.get(hashed("data.bin"), "Accept-Encoding: gzip, br");

    assertThat(r.header("content-encoding")).isNull();
    assertThat(r.header("vary")).isNull();
    assertThat(r.body()).hasSize(100_000);
  }

  @Test
  void emptyFile_isServed() {
    RawHttp.Answer r = tree.get(hashed("empty.txt"));

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body()).isEmpty();
    assertThat(r.header("content-type")).isEqualTo("text/plain; charset=utf-8");
  }

  @Test
  void otherMethods_are405WithAllow() {
    RawHttp.Answer r = RawHttp.exchange(tree.port(), "DELETE", hashed("app.js"));

    assertThat(r.status()).isEqualTo(405);
    assertThat(r.header("allow")).isEqualTo("GET, HEAD");
    assertThat(r.text()).startsWith("{\"error\":");
  }

  @Test
  void metrics_countFilesBytes304sAndCompressed() {
    double files = count("bulwark.assets.files");
    double bytes = count("bulwark.assets.bytes");
    double notModified = count("bulwark.assets.not.modified");
    double compressed = count("bulwark.assets.compressed");
    String etag = tree.get(hashed("data.bin")).header("etag");

    tree.get(hashed("data.bin"), "If-None-Match: " + etag);
    tree.get(hashed("css/site.css"), "Accept-Encoding: br");

    assertThat(count("bulwark.assets.files")).isEqualTo(files + 2);
    assertThat(count("bulwark.assets.bytes")).isEqualTo(bytes + 100_000 + AssetTree.SITE_CSS_BR.length);
    assertThat(count("bulwark.assets.not.modified")).isEqualTo(notModified + 1);
    assertThat(count("bulwark.assets.compressed")).isEqualTo(compressed + 1);
  }

  @Test
  void close_removesTheMeters() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    StaticAssets other = StaticAssets.create(tree.vertx, StaticAssetsOptions.builder()
        .directory(tree.root).meterRegistry(registry).build());
    assertThat(registry.getMeters()).hasSize(5);

    other.close();

    assertThat(registry.getMeters()).isEmpty();
  }

  @Test
  void staleGzipSibling_failsAtStart() throws Exception {
    java.nio.file.Path dir = Files.createTempDirectory("stale-gz-");
    Files.writeString(dir.resolve("a.js"), "new content");
    Files.write(dir.resolve("a.js.gz"), AssetTree.gzip("old content".getBytes(StandardCharsets.UTF_8)));
    try {
      assertThatThrownBy(() -> StaticAssets.create(Vertx.vertx(),
          StaticAssetsOptions.builder().directory(dir).build()))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("a.js.gz does not hold the bytes of a.js");
    } finally {
      ClasspathFolder.delete(dir);
    }
  }

  private static double count(String name) {
    return REGISTRY.get(name).tag("name", "test").counter().count();
  }

  private static String gunzip(byte[] body) throws Exception {
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
