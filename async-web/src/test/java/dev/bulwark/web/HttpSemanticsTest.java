package dev.bulwark.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.bulwark.cache.Cached;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;
import io.vertx.junit5.VertxExtension;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * HTTP semantics the pipeline owes every route (RFC 9110): HEAD wherever GET is, caches that
 * never serve one variant to everyone, cache keys made of what the handler can see, and the
 * mistakes a cache would make refused at start.
 */
@ExtendWith(VertxExtension.class)
class HttpSemanticsTest {

  private static final Map<String, AtomicInteger> CALLS = new ConcurrentHashMap<>();
  private static Vertx vertx;
  private static TestServer server;

  private static int call(String what) {
    return CALLS.computeIfAbsent(what, k -> new AtomicInteger()).incrementAndGet();
  }

  /** A JSON body that records the thread that parsed it. */
  public static final class Parsed {
    final String name;
    final String parsedOn;

    @JsonCreator
    public Parsed(@JsonProperty("name") String name) {
      this.name = name;
      this.parsedOn = Thread.currentThread().getName();
    }
  }

  public static class Routes {
    @Get("/hello")
    @NonBlocking
    public String hello() {
      return "Hello, World!";
    }

    @Get("/items/{id}")
    @Cached(ttl = "60s")
    public String item(@PathParam("id") long id, @QueryParam("page") Integer page) {
      return "item " + id + " page " + page + " run " + call("item-" + id + "-" + page);
    }

    /** Varies on a header its cache key does not hold: must never be stored. */
    @Get("/undeclared-vary")
    @Cached(ttl = "60s")
    public Response<String> undeclaredVary() {
      return Response.ok("run " + call("undeclared")).withHeader("Vary", "Accept-Language");
    }

    @Get("/declared-vary")
    @Cached(ttl = "60s")
    @HttpCacheKey(vary = "Accept-Language")
    public Response<String> declaredVary() {
      return Response.ok("run " + call("declared")).withHeader("Vary", "Accept-Language");
    }

    @Get("/rows")
    public Stream<String> rows() {
      return Stream.of("a", "b");
    }

    @Get("/text")
    @Streaming(format = StreamFormat.TEXT)
    public Stream<String> text() {
      return Stream.of("a", "b");
    }

    @Get("/context")
    public String context(RoutingContext ctx) {
      return "context " + ctx.request().path();
    }

    @Post("/parse")
    public String parse(@Body Parsed body) {
      return body.name + " parsed on " + body.parsedOn;
    }
  }

  public static class CachedPost {
    @Post("/things")
    @Cached(ttl = "60s")
    public String create() {
      return "";
    }
  }

  public static class CachedBody {
    @Get("/things")
    @Cached(ttl = "60s")
    public String find(@Body String query) {
      return query;
    }
  }

  @BeforeAll
  static void start(Vertx v) {
    vertx = v;
    server = TestServer.start(v, new Routes());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static HttpResponse<String> send(String method, String path, String... headers) {
    HttpRequest.Builder b = server.request(path).method(method, HttpRequest.BodyPublishers.noBody());
    if (headers.length > 0) {
      b.headers(headers);
    }
    return server.send(b.build());
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"/hello", "/items/3", "/rows", "/context"})
  void head_onEveryGetRoute_answersGetsHeaders_withoutABody(String path) {
    HttpResponse<String> get = send("GET", path);
    HttpResponse<String> head = send("HEAD", path);

    assertThat(head.statusCode()).isEqualTo(get.statusCode()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
    // Transfer-Encoding may be left out of HEAD (RFC 9110, section 9.3.2); Content-Length may not.
    for (String h : List.of("content-type", "content-length", "content-encoding", "vary", "etag")) {
      assertThat(head.headers().firstValue(h)).as(h).isEqualTo(get.headers().firstValue(h));
    }
    assertThat(head.headers().firstValue("cache-control").isPresent())
        .isEqualTo(get.headers().firstValue("cache-control").isPresent());
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"/health", "/ready", "/metrics"})
  void head_onProbes_is200WithoutABody(String path) {
    HttpResponse<String> head = send("HEAD", path);

    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
    assertThat(head.headers().firstValue("content-type"))
        .isEqualTo(send("GET", path).headers().firstValue("content-type"));
  }

  @Test
  void head_onAPostOnlyPath_is405Json() {
    HttpResponse<String> r = send("HEAD", "/parse");

    assertThat(r.statusCode()).isEqualTo(405);
  }

  @Test
  void cacheKey_isTheDeclaredParameters_normalised() {
    HttpResponse<String> first = send("GET", "/items/8");

    assertThat(first.body()).isEqualTo("item 8 page null run 1");
    for (String variant : List.of("/items/08", "/items/+8", "/items/8?utm=x", "/items/8?x=1&y=2")) {
      assertThat(send("GET", variant).body()).as(variant).isEqualTo(first.body());
    }
    assertThat(send("GET", "/items/8?page=02").body()).isEqualTo("item 8 page 2 run 1");
    assertThat(send("GET", "/items/8?page=2").body()).isEqualTo("item 8 page 2 run 1");
    assertThat(CALLS.get("item-8-null").get()).isEqualTo(1);
  }

  @Test
  void varyFromTheHandler_notInTheKey_isNeverStored() {
    HttpResponse<String> en = send("GET", "/undeclared-vary", "Accept-Language", "en");
    HttpResponse<String> de = send("GET", "/undeclared-vary", "Accept-Language", "de");

    assertThat(en.body()).isEqualTo("run 1");
    assertThat(de.body()).isEqualTo("run 2");
    assertThat(de.headers().firstValue("Vary")).hasValue("Accept-Language");
    assertThat(de.headers().firstValue("ETag")).isEmpty();
  }

  @Test
  void varyFromTheHandler_inTheKey_isStoredPerVariant() {
    HttpResponse<String> en = send("GET", "/declared-vary", "Accept-Language", "en");
    HttpResponse<String> enAgain = send("GET", "/declared-vary", "Accept-Language", "en");
    HttpResponse<String> de = send("GET", "/declared-vary", "Accept-Language", "de");

    assertThat(en.body()).isEqualTo("run 1");
    assertThat(enAgain.body()).isEqualTo("run 1");
    assertThat(de.body()).isEqualTo("run 2");
    assertThat(enAgain.headers().allValues("Vary")).containsExactly("Accept-Language");
  }

  @Test
  void negotiatedStream_saysVaryAcceptAndAcceptEncoding_evenUncompressed() {
    HttpResponse<String> r = send("GET", "/rows", "Accept", "text/plain");

    assertThat(r.body()).isEqualTo("a\nb\n");
    assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(
        t -> assertThat(t).startsWith("text/plain"));
    assertThat(r.headers().firstValue("Content-Encoding")).isEmpty();
    assertThat(r.headers().firstValue("Vary")).hasValue("Accept, Accept-Encoding");
  }

  @Test
  void fixedFormatStream_saysVaryAcceptEncodingOnly() {
    HttpResponse<String> r = send("GET", "/text");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Vary")).hasValue("Accept-Encoding");
  }

  @Test
  void jsonBody_ofAWorkerRoute_isParsedOnTheWorker() {
    HttpResponse<String> r = server.post("/parse", "application/json", "{\"name\":\"x\"}");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.body()).matches("x parsed on bulwark-default-\\d+");
  }

  @Test
  void malformedJsonBody_ofAWorkerRoute_isStillA400() {
    HttpResponse<String> r = server.post("/parse", "application/json", "{\"name\":");

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(Http.error(r)).startsWith("malformed JSON body");
  }

  @Test
  void cachedPost_isRefusedAtStart_namingTheMethod() {
    BulwarkServer fresh = BulwarkServer.create(vertx, ServerOptions.builder().port(0)
        .drainGrace(Duration.ZERO).build());

    assertThatThrownBy(() -> fresh.handler(new CachedPost()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("CachedPost.create()")
        .hasMessageContaining("POST");
  }

  @Test
  void cachedBody_isRefusedAtStart_namingTheMethod() {
    BulwarkServer fresh = BulwarkServer.create(vertx, ServerOptions.builder().port(0)
        .drainGrace(Duration.ZERO).build());

    assertThatThrownBy(() -> fresh.handler(new CachedBody()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("CachedBody.find(String)")
        .hasMessageContaining("@Body");
  }
}
