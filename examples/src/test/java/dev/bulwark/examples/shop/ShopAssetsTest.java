package dev.bulwark.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code GET /} and {@code GET /assets/{path}} (shared WORKLOAD.md), over loopback. */
class ShopAssetsTest {

  private static final Pattern LINK = Pattern.compile("(?:href|src)=\"(/assets/[^\"]+)\"");
  private static Shop shop;
  private static final HttpClient CLIENT = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void start() throws Exception {
    shop = Shop.start(ShopConfig.defaults().withPort(0)).toCompletionStage().toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    shop.drain().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static HttpResponse<byte[]> get(String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + shop.port() + path))
        .timeout(Duration.ofSeconds(10));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return CLIENT.send(b.GET().build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static List<String> links() throws Exception {
    String html = new String(get("/").body(), StandardCharsets.UTF_8);
    List<String> links = new ArrayList<>();
    Matcher m = LINK.matcher(html);
    while (m.find()) {
      links.add(m.group(1));
    }
    return links;
  }

  @Test
  void index_isHtmlLinkingTheFingerprintedScriptAndStylesheet() throws Exception {
    HttpResponse<byte[]> r = get("/");
    String html = new String(r.body(), StandardCharsets.UTF_8);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
    assertThat(html).containsPattern("<script defer src=\"/assets/app\\.[0-9a-f]{8}\\.js\">")
        .containsPattern("<link rel=\"stylesheet\" href=\"/assets/site\\.[0-9a-f]{8}\\.css\">")
        .containsPattern("src=\"/assets/img/logo\\.[0-9a-f]{8}\\.svg\"");
    assertThat(links()).hasSize(4);
  }

  @Test
  void everyLinkedAsset_isServedImmutableWithItsType() throws Exception {
    for (String link : links()) {
      HttpResponse<byte[]> r = get(link);

      assertThat(r.statusCode()).as(link).isEqualTo(200);
      assertThat(r.headers().firstValue("cache-control")).as(link).hasValue("public, max-age=31536000, immutable");
      assertThat(r.headers().firstValue("etag")).as(link).isPresent();
      String type = r.headers().firstValue("content-type").orElseThrow();
      if (link.endsWith(".js")) {
        assertThat(type).isEqualTo("text/javascript; charset=utf-8");
      } else if (link.endsWith(".css")) {
        assertThat(type).isEqualTo("text/css; charset=utf-8");
      } else if (link.endsWith(".png")) {
        assertThat(type).isEqualTo("image/png");
        assertThat(r.body()).startsWith(0x89, 'P', 'N', 'G');
      } else {
        assertThat(type).isEqualTo("image/svg+xml; charset=utf-8");
      }
    }
  }

  @Test
  void script_isGzippedWhenAskedAndRevalidatesTo304() throws Exception {
    String script = links().stream().filter(l -> l.endsWith(".js")).findFirst().orElseThrow();
    HttpResponse<byte[]> plain = get(script);
    HttpResponse<byte[]> gz = get(script, "Accept-Encoding", "gzip");
    HttpResponse<byte[]> again = get(script, "If-None-Match", plain.headers().firstValue("etag").orElseThrow());

    assertThat(gz.headers().firstValue("content-encoding")).hasValue("gzip");
    assertThat(gz.headers().firstValue("vary")).hasValue("Accept-Encoding");
    assertThat(new GZIPInputStream(new ByteArrayInputStream(gz.body())).readAllBytes()).isEqualTo(plain.body());
    assertThat(again.statusCode()).isEqualTo(304);
  }

  @Test
  void range_gives206() throws Exception {
    String css = links().stream().filter(l -> l.endsWith(".css")).findFirst().orElseThrow();
    HttpResponse<byte[]> r = get(css, "Range", "bytes=0-9");

    assertThat(r.statusCode()).isEqualTo(206);
    assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("/* The sho");
  }

  @ParameterizedTest
  @ValueSource(strings = {"/assets/%2e%2e/ops/ops.js", "/assets/..%2fops/ops.js",
      "/assets/%2e%2e/dev/bulwark/examples/shop/Shop.class", "/assets/%252e%252e/ops/ops.js",
      "/assets/..%5cops/ops.js", "/assets/img/%2e%2e%2f%2e%2e%2fops/ops.js", "/assets/app.js%00",
      "/assets/nope.js", "/assets/", "/assets/%c0%ae%c0%ae/ops/ops.js"})
  void classpathOutsideTheFolder_isNeverServed(String path) throws Exception {
    HttpResponse<byte[]> r = get(path);
    String body = new String(r.body(), StandardCharsets.UTF_8);

    assertThat(r.statusCode()).isBetween(400, 499);
    assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(body).startsWith("{\"error\":").doesNotContain("ops page").doesNotContain("CAFEBABE");
  }

  @Test
  void metrics_countServedAssets() throws Exception {
    get(links().get(0));

    String metrics = new String(get("/metrics").body(), StandardCharsets.UTF_8);

    assertThat(metrics).contains("bulwark_assets_files_total{name=\"assets\"}")
        .contains("bulwark_assets_bytes_total").contains("bulwark_assets_not_modified_total")
        .contains("bulwark_assets_compressed_total");
  }
}
