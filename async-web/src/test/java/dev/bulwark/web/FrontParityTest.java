package dev.bulwark.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bulwark.cache.CacheManager;
import dev.bulwark.cache.CacheOptions;
import dev.bulwark.cache.Cached;
import dev.bulwark.core.WorkerPool;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.junit5.VertxExtension;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The two fronts feed one pipeline: the same handlers served by a {@link BulwarkServer} (its route
 * table) and mounted on a user's own {@link Router} ({@link BulwarkRoutes}) answer alike, for plain
 * and cached routes (their keys, stored 404s), HEAD (of answers and of errors), preconditions,
 * bodies and errors (400, 413, 415, 500). (What vertx-web refuses before any route
 * runs, an unknown path, a wrong method, a malformed query string, is the router owner's to
 * answer, so it is tested on the server only, in ErrorResponsesTest and
 * RequestPathResilienceTest.)
 */
@ExtendWith(VertxExtension.class)
class FrontParityTest {

  private static final HttpClient CLIENT = Http.newClient();
  private static final int BODY_LIMIT = 1024;
  private static TestServer server;
  private static HttpServer own;
  private static WorkerPool pool;
  private static CacheManager caches;

  /** One instance per front, so each counts its own handler runs. */
  public static class Routes {
    final AtomicInteger runs = new AtomicInteger();

    @Get("/plain/{id}")
    public String plain(@PathParam("id") long id, @QueryParam("q") String q) {
      return "plain " + id + " " + q;
    }

    @Get("/cached/{id}")
    @Cached(ttl = "60s")
    @CachedNotFound(ttl = "10s")
    public Future<String> cached(@PathParam("id") @Range(min = 1) long id) {
      int run = runs.incrementAndGet();
      if (id > 100) {
        return Future.failedFuture(HttpException.notFound("no item " + id));
      }
      return Future.succeededFuture("cached " + id + " run " + run);
    }

    @Get("/boom")
    @NonBlocking
    public String boom() {
      throw new IllegalStateException("boom on purpose");
    }

    @Post("/orders")
    public Order order(@Body Order order) {
      return new Order(order.sku(), order.qty() + 1);
    }
  }

  public record Order(String sku, int qty) {
  }

  @BeforeAll
  static void start(Vertx vertx) {
    // The same body limit on both fronts, so that a 413 is comparable.
    server = TestServer.start(vertx, o -> o.maxBodySize(BODY_LIMIT), new Routes());
    pool = WorkerPool.builder().name("default").maxConcurrency(2).build();
    caches = CacheManager.create(vertx, CacheOptions.builder().build());
    Router router = Router.router(vertx);
    BulwarkRoutes.of(Map.of("default", pool), null, BODY_LIMIT, caches, new Routes()).mountOn(router);
    own = Http.await(vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1"));
  }

  @AfterAll
  static void stop() {
    server.close();
    Http.await(own.close());
    Http.await(pool.close(Duration.ofSeconds(1)));
    Http.await(caches.close());
  }

  private static HttpResponse<String> send(int port, String method, String path, String... headers) {
    HttpRequest.Builder b = Http.request(port, path).method(method, HttpRequest.BodyPublishers.noBody());
    if (headers.length > 0) {
      b.headers(headers);
    }
    return Http.send(CLIENT, b.build());
  }

  /** Sends the same request to both fronts: [server, own router]. */
  private static List<HttpResponse<String>> both(String method, String path, String... headers) {
    return List.of(send(server.port(), method, path, headers), send(own.actualPort(), method, path, headers));
  }

  private static void assertAlike(List<HttpResponse<String>> pair, String... headers) {
    HttpResponse<String> a = pair.get(0);
    HttpResponse<String> b = pair.get(1);
    assertThat(b.statusCode()).as(b.body()).isEqualTo(a.statusCode());
    assertThat(b.body()).isEqualTo(a.body());
    for (String h : headers) {
      assertThat(b.headers().firstValue(h)).as(h).isEqualTo(a.headers().firstValue(h));
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({"GET, /plain/7?q=x", "HEAD, /plain/7?q=x", "GET, /plain/abc", "HEAD, /plain/abc",
      "GET, /cached/0", "HEAD, /cached/0", "GET, /cached/abc", "HEAD, /cached/abc"})
  void plainRoutesAndErrors_answerAlike(String method, String path) {
    assertAlike(both(method, path), "content-type", "content-length");
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(delimiter = '|', value = {
      "application/json | {\"sku\":\"a\",\"qty\":1} | 200",
      "application/json | {\"sku\":\"a\",\"qty\": | 400",
      "application/json | {\"sku\":\"a\",\"qty\":1,\"extra\":true} | 400",
      "text/plain | {\"sku\":\"a\",\"qty\":1} | 415"})
  void bodies_andTheirErrors_answerAlike(String contentType, String body, int status) {
    List<HttpResponse<String>> pair = List.of(post(server.port(), contentType, body),
        post(own.actualPort(), contentType, body));

    assertAlike(pair, "content-type");
    assertThat(pair.get(0).statusCode()).as(pair.get(0).body()).isEqualTo(status);
  }

  @Test
  void bodyOverTheLimit_isA413JsonError_onBothFronts() {
    String big = "{\"sku\":\"" + "x".repeat(BODY_LIMIT) + "\",\"qty\":1}";
    for (HttpResponse<String> r : List.of(post(server.port(), "application/json", big),
        post(own.actualPort(), "application/json", big))) {
      assertThat(r.statusCode()).isEqualTo(413);
      assertThat(Http.error(r)).isNotEmpty();
    }
  }

  private static HttpResponse<String> post(int port, String contentType, String body) {
    return Http.send(CLIENT, Http.request(port, "/orders").header("Content-Type", contentType)
        .POST(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  @Test
  void cachedRoute_answersAlike_includingHeadAndPreconditions() {
    List<HttpResponse<String>> first = both("GET", "/cached/7");
    List<HttpResponse<String>> again = both("GET", "/cached/7");
    List<HttpResponse<String>> head = both("HEAD", "/cached/7");
    String etag = first.get(0).headers().firstValue("ETag").orElseThrow();
    List<HttpResponse<String>> conditional = both("GET", "/cached/7", "If-None-Match", etag);

    assertThat(first.get(0).body()).isEqualTo("cached 7 run 1");
    assertAlike(first, "content-type", "etag");
    assertAlike(again, "content-type", "etag");
    assertAlike(head, "content-type", "content-length", "etag");
    assertAlike(conditional, "etag");
    assertThat(conditional.get(0).statusCode()).isEqualTo(304);
  }

  @Test
  void cachedNotFound_answersAlike_andStaysA404UnderPreconditions() {
    List<HttpResponse<String>> first = both("GET", "/cached/404");
    String etag = first.get(0).headers().firstValue("ETag").orElseThrow();
    List<HttpResponse<String>> conditional = both("GET", "/cached/404", "If-None-Match", etag);

    List<HttpResponse<String>> head = both("HEAD", "/cached/404");
    // Undeclared query parameters make no entry of their own: the stored 404 answers on both.
    List<HttpResponse<String>> tagged = both("GET", "/cached/404?utm=x");

    assertAlike(first, "content-type", "etag");
    assertAlike(conditional, "content-type", "etag");
    assertThat(conditional.get(1).statusCode()).isEqualTo(404);
    assertAlike(head, "content-type", "content-length", "etag");
    assertThat(head.get(0).statusCode()).isEqualTo(404);
    assertThat(head.get(0).body()).isEmpty();
    assertAlike(tagged, "content-type", "etag");
  }

  @Test
  void cachedRoute_keysOnlyWhatItDeclares_onBothFronts() {
    List<HttpResponse<String>> first = both("GET", "/cached/8");
    List<HttpResponse<String>> tagged = both("GET", "/cached/8?utm=campaign");
    List<HttpResponse<String>> converted = both("GET", "/cached/08");

    assertAlike(first, "content-type", "etag");
    assertAlike(tagged, "content-type", "etag");
    assertAlike(converted, "content-type", "etag");
    assertThat(converted.get(0).body()).isEqualTo(first.get(0).body());
    assertThat(tagged.get(1).body()).isEqualTo(first.get(1).body());
  }

  @Test
  void unexpectedFailure_isA500JsonWithARequestId_onBothFronts() {
    for (HttpResponse<String> r : both("GET", "/boom")) {
      assertThat(r.statusCode()).isEqualTo(500);
      assertThat(Http.error(r)).startsWith("internal server error (request id ");
      assertThat(r.headers().firstValue("X-Request-Id")).isPresent();
    }
    for (HttpResponse<String> r : both("HEAD", "/boom")) {
      assertThat(r.statusCode()).isEqualTo(500);
      assertThat(r.body()).isEmpty();
      assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
      assertThat(r.headers().firstValue("X-Request-Id")).isPresent();
    }
  }
}
