package dev.bulwark.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Timer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The shop's response-cached endpoints (WORKLOAD.md) on the embedded default (H2 in memory, local
 * cache): {@code /expensive} computed once for concurrent cold requests, and
 * {@code /products/{id}/cached} answering as {@code /products/{id}} does, with an ETag, a
 * {@code max-age} and 304 on {@code If-None-Match}, keeping a missing product's 404 for 5 s.
 */
class ShopCacheTest {

  static final ObjectMapper JSON = new ObjectMapper();
  static final Pattern MAX_AGE = Pattern.compile("max-age=(\\d+)");

  private static final HttpClient CLIENT = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5))
      .build();
  private static Shop shop;

  @BeforeAll
  static void start() throws Exception {
    shop = start("jdbc:h2:mem:shopcache;DB_CLOSE_DELAY=-1", null);
  }

  @AfterAll
  static void stop() throws Exception {
    if (shop != null) {
      shop.drain().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  /** A shop on {@code db}, its cache on {@code redis} (with {@link Servers#REDIS_TIMEOUT}) or local. */
  static Shop start(String db, String redis) throws Exception {
    ShopConfig config = new ShopConfig("127.0.0.1", 0, 8, 64, Duration.ofSeconds(5), 2,
        Duration.ofSeconds(5), db, 4, redis, ShopConfig.Role.ALL).withRedisTimeout(Servers.REDIS_TIMEOUT);
    return Shop.start(config).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  static HttpRequest request(Shop shop, String path, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + shop.port() + path))
        .timeout(Duration.ofSeconds(20)).GET();
    if (headers.length > 0) {
      b.headers(headers);
    }
    return b.build();
  }

  static HttpResponse<String> get(Shop shop, String path, String... headers) throws Exception {
    return CLIENT.send(request(shop, path, headers), HttpResponse.BodyHandlers.ofString());
  }

  static CompletableFuture<HttpResponse<String>> getAsync(Shop shop, String path) {
    return CLIENT.sendAsync(request(shop, path), HttpResponse.BodyHandlers.ofString());
  }

  /** The {@code computedAt} of every answer, after checking each is a 200 with value 42. */
  static Set<Long> computedAts(List<CompletableFuture<HttpResponse<String>>> responses) throws Exception {
    Set<Long> computedAt = new HashSet<>();
    for (CompletableFuture<HttpResponse<String>> f : responses) {
      HttpResponse<String> r = f.get(30, TimeUnit.SECONDS);
      assertThat(r.statusCode()).as("status of /expensive, body %s", r.body()).isEqualTo(200);
      JsonNode body = JSON.readTree(r.body());
      assertThat(body.get("value").asInt()).isEqualTo(42);
      computedAt.add(body.get("computedAt").asLong());
    }
    return computedAt;
  }

  static double counter(Shop shop, String name, String cache, String result) {
    Counter c = shop.server().meterRegistry().find(name).tags("cache", cache, "result", result).counter();
    return c == null ? 0 : c.count();
  }

  /** Statements the shop ran under the query name {@code query}, whatever their outcome. */
  static long queries(Shop shop, String query) {
    return shop.server().meterRegistry().find("bulwark.db.query").tags("query", query).timers().stream()
        .mapToLong(Timer::count).sum();
  }

  static double hits(Shop shop, String cache) {
    FunctionCounter c = shop.server().meterRegistry().find("bulwark.cache.gets")
        .tags("cache", cache, "result", "hit").functionCounter();
    return c == null ? 0 : c.count();
  }

  static void assertCacheHeaders(HttpResponse<String> r) {
    assertThat(r.headers().firstValue("etag")).hasValueSatisfying(
        e -> assertThat(e).matches("\"[A-Za-z0-9_-]+\""));
    String cc = r.headers().firstValue("cache-control").orElseThrow();
    Matcher m = MAX_AGE.matcher(cc);
    assertThat(m.find()).as("max-age in '%s'", cc).isTrue();
    assertThat(Long.parseLong(m.group(1))).isBetween(1L, 60L);
  }

  @Test
  void expensive_coldConcurrentRequests_computeOnce() throws Exception {
    List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      responses.add(getAsync(shop, "/expensive"));
    }

    assertThat(computedAts(responses)).hasSize(1);
    assertThat(counter(shop, "bulwark.cache.loads", "http.GET_expensive", "success")).isEqualTo(1.0);
    HttpResponse<String> later = get(shop, "/expensive");
    assertThat(later.headers().firstValue("content-type")).hasValue("application/json");
    assertCacheHeaders(later);
  }

  @Test
  void productCached_answersAsProduct_withETagAndMaxAge() throws Exception {
    HttpResponse<String> plain = get(shop, "/products/7");
    HttpResponse<String> cached = get(shop, "/products/7/cached");
    HttpResponse<String> again = get(shop, "/products/7/cached");

    assertThat(cached.statusCode()).isEqualTo(200);
    assertThat(cached.body()).isEqualTo(plain.body()).isEqualTo(
        "{\"id\":7,\"name\":\"Product 7\",\"priceCents\":49,\"description\":\"Description of product 7\"}");
    assertThat(cached.headers().firstValue("content-type")).hasValue("application/json");
    assertCacheHeaders(cached);
    assertThat(again.body()).isEqualTo(cached.body());
    assertThat(again.headers().firstValue("etag")).isEqualTo(cached.headers().firstValue("etag"));
  }

  @Test
  void productCached_ifNoneMatch_answers304WithoutBody() throws Exception {
    String etag = get(shop, "/products/8/cached").headers().firstValue("etag").orElseThrow();

    HttpResponse<String> r = get(shop, "/products/8/cached", "If-None-Match", etag);
    HttpResponse<String> weak = get(shop, "/products/8/cached", "If-None-Match", "W/" + etag);
    HttpResponse<String> stale = get(shop, "/products/8/cached", "If-None-Match", "\"old\"");

    assertThat(r.statusCode()).isEqualTo(304);
    assertThat(r.body()).isEmpty();
    assertThat(r.headers().firstValue("etag")).hasValue(etag);
    assertThat(weak.statusCode()).isEqualTo(304);
    assertThat(stale.statusCode()).isEqualTo(200);
    assertThat(stale.body()).contains("\"id\":8");
  }

  @Test
  void productCached_missingProduct_isA404FromTheCache_withoutASecondQuery() throws Exception {
    HttpResponse<String> plain = get(shop, "/products/99998");
    long queriesBefore = queries(shop, "product-by-id");
    double hitsBefore = hits(shop, "http.GET_products_id_cached.404");

    HttpResponse<String> first = get(shop, "/products/99998/cached");
    HttpResponse<String> second = get(shop, "/products/99998/cached");

    assertThat(plain.statusCode()).isEqualTo(404);
    for (HttpResponse<String> r : List.of(first, second)) {
      assertThat(r.statusCode()).isEqualTo(404);
      assertThat(r.body()).isEqualTo(plain.body()).isEqualTo("{\"error\":\"product 99998 not found\"}");
      assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
      assertThat(r.headers().firstValue("etag")).isPresent();
      Matcher m = MAX_AGE.matcher(r.headers().firstValue("cache-control").orElseThrow());
      assertThat(m.find()).isTrue();
      assertThat(Long.parseLong(m.group(1))).isBetween(0L, 5L);
    }
    assertThat(queries(shop, "product-by-id")).isEqualTo(queriesBefore + 1);
    assertThat(hits(shop, "http.GET_products_id_cached.404")).isEqualTo(hitsBefore + 1);
  }

  @ParameterizedTest
  @CsvSource({"/products/abc, 400", "/products/0, 400"})
  void productCached_badIds_areTheSameStatuses_andNotCached(String path, int status) throws Exception {
    double failedLoads = counter(shop, "bulwark.cache.loads", "http.GET_products_id_cached", "failure");
    for (int i = 0; i < 2; i++) {
      HttpResponse<String> r = get(shop, path + "/cached");

      assertThat(r.statusCode()).isEqualTo(status);
      assertThat(JSON.readTree(r.body()).get("error").asText()).isNotBlank();
      assertThat(r.body()).isEqualTo(get(shop, path).body());
      assertThat(r.headers().firstValue("etag")).isEmpty();
    }
    // An id that does not bind is refused before the cache stage: nothing is loaded or stored.
    assertThat(counter(shop, "bulwark.cache.loads", "http.GET_products_id_cached", "failure"))
        .isEqualTo(failedLoads);
  }
}
