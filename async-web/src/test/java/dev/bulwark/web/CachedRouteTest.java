package dev.bulwark.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.bulwark.cache.CacheOptions;
import dev.bulwark.cache.Cached;
import io.micrometer.core.instrument.FunctionCounter;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;
import io.vertx.junit5.VertxExtension;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code @Cached} routes on a real server over loopback: single flight on a cold key, ETag and
 * {@code Cache-Control}, conditional requests, what the key covers, what is never stored, the
 * credential rules, declaration errors, the cache's meters, and 404s cached for their own TTL
 * with {@code @CachedNotFound}. Each test uses its own route (or its own path parameter), so the
 * tests share one server without sharing cache entries; every handler counts its runs, and its
 * body names the run that produced it. The test of the 404 TTL runs its own server on a ticker it
 * moves by hand.
 */
@ExtendWith(VertxExtension.class)
class CachedRouteTest {

  private static final Pattern MAX_AGE = Pattern.compile("max-age=(\\d+)");
  private static final Pattern STRONG_ETAG = Pattern.compile("\"[A-Za-z0-9_-]+\"");

  private static final Map<String, AtomicInteger> CALLS = new ConcurrentHashMap<>();
  private static final CompletableFuture<Void> COLD_GATE = new CompletableFuture<>();
  private static final CompletableFuture<Void> COOKIE_GATE = new CompletableFuture<>();
  private static final CompletableFuture<Void> GONE_COLD_GATE = new CompletableFuture<>();
  private static final Map<String, String> SHELF = new ConcurrentHashMap<>();

  private static Vertx vertx;
  private static TestServer server;

  @BeforeAll
  static void start(Vertx v) {
    vertx = v;
    server = TestServer.start(v, new Routes());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static int call(String what) {
    return CALLS.computeIfAbsent(what, k -> new AtomicInteger()).incrementAndGet();
  }

  private static int calls(String what) {
    AtomicInteger n = CALLS.get(what);
    return n == null ? 0 : n.get();
  }

  public static class Routes {

    /** Held until every cold request is waiting on the one load. */
    @Get("/cold")
    @Cached(ttl = "60s")
    public CompletionStage<String> cold() {
      int n = call("cold");
      return COLD_GATE.thenApply(v -> "cold run " + n);
    }

    @Get("/etag/{case}")
    @Cached(ttl = "60s")
    public String etag(@PathParam("case") String c) {
      return "etag " + c + " run " + call("etag-" + c);
    }

    @Get("/keyed/{id}")
    @Cached(ttl = "60s")
    public String keyed(@PathParam("id") String id, RoutingContext ctx) {
      return "keyed " + id + " " + ctx.queryParams().entries() + " run " + call("keyed-" + id);
    }

    @Get("/paged")
    @Cached(ttl = "60s", key = {"page"})
    public String paged(@QueryParam(value = "page", defaultValue = "1") int page,
        @QueryParam(value = "sort", defaultValue = "") String sort) {
      return "page " + page + " sort " + sort + " run " + call("paged");
    }

    @Get("/vary")
    @Cached(ttl = "60s")
    @HttpCacheKey(vary = {"Accept-Language"})
    public String vary(@HeaderParam("Accept-Language") String language) {
      return "vary " + language + " run " + call("vary");
    }

    /** Answers with a header that makes the response unshareable, chosen by {@code kind}. */
    @Get("/unshareable/{kind}")
    @Cached(ttl = "60s")
    public Response<String> unshareable(@PathParam("kind") String kind) {
      int n = call("unshareable-" + kind);
      Response<String> r = Response.ok(kind + " run " + n);
      switch (kind) {
        case "set-cookie":
          return r.withHeader("Set-Cookie", "session=" + n);
        case "private":
          return r.withHeader("Cache-Control", "private, max-age=30");
        case "no-store":
          return r.withHeader("Cache-Control", "no-store");
        case "no-cache":
          return r.withHeader("Cache-Control", "no-cache");
        default:
          throw new IllegalArgumentException(kind);
      }
    }

    /** The first run is held until every request waits on it; each run sets its own cookie. */
    @Get("/cookies")
    @Cached(ttl = "60s")
    public CompletionStage<Response<String>> cookies() {
      int n = call("cookies");
      CompletableFuture<Void> gate = n == 1 ? COOKIE_GATE : CompletableFuture.completedFuture(null);
      return gate.thenApply(v -> Response.ok("cookies run " + n).withHeader("Set-Cookie", "session=" + n));
    }

    @Get("/who/{case}")
    @Cached(ttl = "60s")
    public String who(@PathParam("case") String c, RoutingContext ctx) {
      var h = ctx.request().headers();
      return "who " + c + " authorization=" + h.get("Authorization") + " cookie=" + h.get("Cookie")
          + " run " + call("who-" + c);
    }

    @Get("/mine/{case}")
    @Cached(ttl = "60s")
    @HttpCacheKey(perUser = true)
    public String mine(@PathParam("case") String c, RoutingContext ctx) {
      var h = ctx.request().headers();
      return "mine " + c + " authorization=" + h.getAll("Authorization") + " cookie=" + h.getAll("Cookie")
          + " run " + call("mine-" + c);
    }

    @Get("/missing")
    @Cached(ttl = "60s")
    public String missing() {
      call("missing");
      throw HttpException.notFound("nothing here");
    }

    @Get("/broken")
    @Cached(ttl = "60s")
    public String broken() {
      call("broken");
      throw new IllegalStateException("broken on purpose");
    }

    @Get("/metered")
    @Cached(ttl = "60s")
    public String metered() {
      return "metered run " + call("metered");
    }

    @Get("/gone/{id}")
    @Cached(ttl = "60s")
    @CachedNotFound(ttl = "10s")
    public String gone(@PathParam("id") String id) {
      call("gone-" + id);
      throw HttpException.notFound("no \"" + id + "\" here");
    }

    /** {@link #gone} without a cache: how the route answers a 404 uncached. */
    @Get("/gone-uncached/{id}")
    public String goneUncached(@PathParam("id") String id) {
      throw HttpException.notFound("no \"" + id + "\" here");
    }

    /** Held until every cold request is waiting on the one load, which then fails with a 404. */
    @Get("/gone-cold")
    @Cached(ttl = "60s")
    @CachedNotFound(ttl = "10s")
    public CompletionStage<String> goneCold() {
      int n = call("gone-cold");
      return GONE_COLD_GATE.thenApply(v -> {
        throw HttpException.notFound("cold run " + n + " found nothing");
      });
    }

    /** A 404 returned as a {@code Response}, with a header that makes it unshareable by {@code kind}. */
    @Get("/gone-response/{kind}")
    @Cached(ttl = "60s")
    @CachedNotFound(ttl = "10s")
    public Response<String> goneResponse(@PathParam("kind") String kind) {
      Response<String> r = Response.of(404, "missing " + kind + " run " + call("gone-response-" + kind));
      switch (kind) {
        case "plain":
          return r;
        case "set-cookie":
          return r.withHeader("Set-Cookie", "session=1");
        case "private":
          return r.withHeader("Cache-Control", "private");
        case "no-store":
          return r.withHeader("Cache-Control", "no-store");
        default:
          throw new IllegalArgumentException(kind);
      }
    }

    /** Answers with another error status, chosen by {@code kind}. */
    @Get("/gone-other/{kind}")
    @Cached(ttl = "60s")
    @CachedNotFound(ttl = "10s")
    public Response<String> goneOther(@PathParam("kind") String kind) {
      int n = call("gone-other-" + kind);
      switch (kind) {
        case "bad-request":
          throw HttpException.badRequest("bad run " + n);
        case "unavailable":
          throw new HttpException(503, "unavailable run " + n);
        case "broken":
          throw new IllegalStateException("broken run " + n);
        case "response-400":
          return Response.of(400, "response 400 run " + n);
        case "response-500":
          return Response.of(500, "response 500 run " + n);
        default:
          throw new IllegalArgumentException(kind);
      }
    }

    @Get("/gone-mine/{id}")
    @Cached(ttl = "60s")
    @CachedNotFound(ttl = "10s")
    @HttpCacheKey(perUser = true)
    public String goneMine(@PathParam("id") String id, @HeaderParam("Authorization") String user) {
      call("gone-mine-" + id + "-" + user);
      throw HttpException.notFound("nothing for " + user);
    }
  }

  /** An item from {@link #SHELF}, 404 until it is put there. */
  public static class Shelf {
    @Get("/shelf/{id}")
    @Cached(ttl = "60s")
    @CachedNotFound(ttl = "1s")
    public String item(@PathParam("id") String id) {
      call("shelf-" + id);
      String item = SHELF.get(id);
      if (item == null) {
        throw HttpException.notFound("no " + id + " on the shelf");
      }
      return item;
    }
  }

  public static class StreamRoute {
    @Get("/stream")
    @Cached(ttl = "60s")
    public Stream<String> items() {
      return Stream.of("a");
    }
  }

  public static class BadTtl {
    @Get("/soon")
    @Cached(ttl = "soon")
    public String soon() {
      return "soon";
    }
  }

  private static HttpResponse<String> get(String path, String... headers) {
    HttpRequest.Builder b = server.request(path).GET();
    if (headers.length > 0) {
      b.headers(headers);
    }
    return server.send(b.build());
  }

  private static double misses(String cache) {
    FunctionCounter c = server.server().meterRegistry().find("bulwark.cache.gets")
        .tags("cache", cache, "result", "miss").functionCounter();
    return c == null ? 0 : c.count();
  }

  private static long maxAge(HttpResponse<?> r) {
    String cc = r.headers().firstValue("Cache-Control").orElseThrow();
    Matcher m = MAX_AGE.matcher(cc);
    assertThat(m.find()).as("max-age in '%s'", cc).isTrue();
    return Long.parseLong(m.group(1));
  }

  @Test
  void coldConcurrentRequests_runTheHandlerOnce_andAllGetItsBody() {
    int n = 100;
    List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      responses.add(Http.sendAsync(server.client(), server.request("/cold").GET().build()));
    }
    // Every request has missed and waits on the single load; only now may the load finish.
    await().atMost(Duration.ofSeconds(15)).until(() -> misses("http.GET_cold") >= n);
    COLD_GATE.complete(null);

    for (CompletableFuture<HttpResponse<String>> f : responses) {
      HttpResponse<String> r = Http.await(f);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("cold run 1");
    }
    assertThat(calls("cold")).isEqualTo(1);
  }

  @Test
  void response_carriesStrongETag_andPublicMaxAgeWithinTtl() {
    HttpResponse<String> first = get("/etag/headers");
    HttpResponse<String> second = get("/etag/headers");

    for (HttpResponse<String> r : List.of(first, second)) {
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("etag headers run 1");
      assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain; charset=utf-8");
      assertThat(r.headers().firstValue("ETag")).hasValueSatisfying(
          e -> assertThat(e).matches(STRONG_ETAG));
      assertThat(r.headers().firstValue("Cache-Control")).hasValueSatisfying(
          cc -> assertThat(cc).matches("public, max-age=\\d+"));
      assertThat(maxAge(r)).isBetween(1L, 60L);
      assertThat(r.headers().firstValue("Vary")).isEmpty();
    }
    assertThat(second.headers().firstValue("ETag")).isEqualTo(first.headers().firstValue("ETag"));
    assertThat(calls("etag-headers")).isEqualTo(1);
  }

  @ParameterizedTest(name = "If-None-Match: {0}")
  @ValueSource(strings = {"exact", "weak", "list", "weak-in-list", "star"})
  void ifNoneMatch_matchingTheETag_answers304_withoutBody_andWithoutRunningTheHandler(String form) {
    String path = "/etag/inm-" + form;
    HttpResponse<String> first = get(path);
    String etag = first.headers().firstValue("ETag").orElseThrow();
    String ifNoneMatch = switch (form) {
      case "exact" -> etag;
      case "weak" -> "W/" + etag;
      case "list" -> "\"nope\", " + etag + ", \"other\"";
      case "weak-in-list" -> "\"nope\",W/" + etag;
      default -> "*";
    };

    HttpResponse<String> conditional = get(path, "If-None-Match", ifNoneMatch);

    assertThat(conditional.statusCode()).isEqualTo(304);
    assertThat(conditional.body()).isEmpty();
    assertThat(conditional.headers().firstValue("ETag")).hasValue(etag);
    assertThat(conditional.headers().firstValue("Cache-Control")).hasValueSatisfying(
        cc -> assertThat(cc).startsWith("public, max-age="));
    assertThat(calls("etag-inm-" + form)).isEqualTo(1);
  }

  @Test
  void ifNoneMatch_withAnotherETag_answers200WithTheBody() {
    get("/etag/other");

    HttpResponse<String> r = get("/etag/other", "If-None-Match", "\"not-the-etag\", W/\"nor-this\"");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("etag other run 1");
    assertThat(calls("etag-other")).isEqualTo(1);
  }

  @Test
  void key_coversPathParams_andAllQueryParamsSorted() {
    HttpResponse<String> ab = get("/keyed/k1?a=1&b=2");
    HttpResponse<String> ba = get("/keyed/k1?b=2&a=1");
    HttpResponse<String> a2 = get("/keyed/k1?a=2");
    HttpResponse<String> otherPath = get("/keyed/k2?a=1&b=2");
    HttpResponse<String> none = get("/keyed/k1");

    assertThat(ab.body()).endsWith(" run 1");
    assertThat(ba.body()).isEqualTo(ab.body());
    assertThat(a2.body()).contains("a=2").endsWith(" run 2");
    assertThat(otherPath.body()).startsWith("keyed k2 ").endsWith(" run 1");
    assertThat(none.body()).isEqualTo("keyed k1 [] run 3");
    assertThat(get("/keyed/k1?a=2").body()).isEqualTo(a2.body());
    assertThat(calls("keyed-k1")).isEqualTo(3);
    assertThat(calls("keyed-k2")).isEqualTo(1);
  }

  @Test
  void key_tellsRepeatedQueryValuesFromOneValueHoldingNul() {
    HttpResponse<String> repeated = get("/keyed/nul?a=1&a=2");
    HttpResponse<String> joined = get("/keyed/nul?a=1%002");

    assertThat(repeated.body()).isEqualTo("keyed nul [a=1, a=2] run 1");
    assertThat(joined.body()).isEqualTo("keyed nul [a=1\u00002] run 2");
  }

  @Test
  void cachedKey_namesTheQueryParamsThatCount_andIgnoresOthers() {
    HttpResponse<String> first = get("/paged?page=1&sort=name");
    HttpResponse<String> otherSort = get("/paged?sort=price&page=1&utm=x");
    HttpResponse<String> page2 = get("/paged?page=2&sort=name");

    assertThat(first.body()).isEqualTo("page 1 sort name run 1");
    assertThat(otherSort.body()).isEqualTo(first.body());
    assertThat(page2.body()).isEqualTo("page 2 sort name run 2");
    assertThat(calls("paged")).isEqualTo(2);
  }

  @Test
  void varyHeader_isPartOfTheKey_andAnsweredAsVary() {
    HttpResponse<String> en = get("/vary", "Accept-Language", "en");
    HttpResponse<String> enAgain = get("/vary", "Accept-Language", "en");
    HttpResponse<String> de = get("/vary", "Accept-Language", "de");

    assertThat(en.body()).isEqualTo("vary en run 1");
    assertThat(enAgain.body()).isEqualTo("vary en run 1");
    assertThat(de.body()).isEqualTo("vary de run 2");
    for (HttpResponse<String> r : List.of(en, enAgain, de)) {
      assertThat(r.headers().firstValue("Vary")).hasValue("Accept-Language");
    }
    assertThat(calls("vary")).isEqualTo(2);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"set-cookie, Set-Cookie", "private, Cache-Control", "no-store, Cache-Control",
      "no-cache, Cache-Control"})
  void unshareableResponse_isNeverStored_andTheHandlerRunsEveryTime(String kind, String header) {
    String path = "/unshareable/" + kind;
    for (int i = 1; i <= 3; i++) {
      HttpResponse<String> r = get(path);

      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo(kind + " run " + i);
      assertThat(r.headers().firstValue(header)).isPresent();
      assertThat(r.headers().firstValue("ETag")).isEmpty();
      if (kind.equals("set-cookie")) {
        assertThat(r.headers().firstValue("Set-Cookie")).hasValue("session=" + i);
        assertThat(r.headers().firstValue("Cache-Control")).isEmpty();
      }
    }
    assertThat(calls("unshareable-" + kind)).isEqualTo(3);
  }

  @Test
  void waitersOnAnUnshareableLoad_eachRunTheHandler_andNeverGetAnotherRunsCookie() {
    int n = 20;
    List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      responses.add(Http.sendAsync(server.client(), server.request("/cookies").GET().build()));
    }
    await().atMost(Duration.ofSeconds(15)).until(() -> misses("http.GET_cookies") >= n);
    COOKIE_GATE.complete(null);

    Set<String> cookies = new HashSet<>();
    for (CompletableFuture<HttpResponse<String>> f : responses) {
      HttpResponse<String> r = Http.await(f);
      assertThat(r.statusCode()).isEqualTo(200);
      String run = r.body().substring("cookies run ".length());
      assertThat(r.headers().allValues("Set-Cookie")).containsExactly("session=" + run);
      cookies.add(run);
    }
    assertThat(cookies).hasSize(n);
    assertThat(calls("cookies")).isEqualTo(n);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"Authorization, Bearer alice", "Cookie, session=alice"})
  void credentialedRequest_neitherFillsTheSharedEntry(String header, String value) {
    String c = "fill-" + header;
    HttpResponse<String> credentialed = get("/who/" + c, header, value);
    HttpResponse<String> anonymous = get("/who/" + c);
    HttpResponse<String> anonymousAgain = get("/who/" + c);

    assertThat(credentialed.body()).contains(value).endsWith(" run 1");
    assertThat(credentialed.headers().firstValue("ETag")).isEmpty();
    assertThat(credentialed.headers().firstValue("Cache-Control")).isEmpty();
    assertThat(anonymous.body()).isEqualTo("who " + c + " authorization=null cookie=null run 2");
    assertThat(anonymousAgain.body()).isEqualTo(anonymous.body());
    assertThat(calls("who-" + c)).isEqualTo(2);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"Authorization, Bearer alice", "Cookie, session=alice"})
  void credentialedRequest_doesNotReadTheSharedEntry(String header, String value) {
    String c = "read-" + header;
    HttpResponse<String> anonymous = get("/who/" + c);
    HttpResponse<String> credentialed = get("/who/" + c, header, value);
    HttpResponse<String> conditional = get("/who/" + c, header, value,
        "If-None-Match", anonymous.headers().firstValue("ETag").orElseThrow());

    assertThat(anonymous.body()).endsWith(" run 1");
    assertThat(credentialed.body()).contains(value).endsWith(" run 2");
    assertThat(conditional.statusCode()).isEqualTo(200);
    assertThat(conditional.body()).endsWith(" run 3");
    assertThat(get("/who/" + c).body()).isEqualTo(anonymous.body());
    assertThat(calls("who-" + c)).isEqualTo(3);
  }

  @Test
  void perUser_keepsAnEntryPerUser_answeredPrivate() {
    HttpResponse<String> alice = get("/mine/auth", "Authorization", "Bearer alice");
    HttpResponse<String> bob = get("/mine/auth", "Authorization", "Bearer bob");
    HttpResponse<String> aliceAgain = get("/mine/auth", "Authorization", "Bearer alice");
    HttpResponse<String> bobAgain = get("/mine/auth", "Authorization", "Bearer bob");

    assertThat(alice.body()).isEqualTo("mine auth authorization=[Bearer alice] cookie=[] run 1");
    assertThat(bob.body()).isEqualTo("mine auth authorization=[Bearer bob] cookie=[] run 2");
    assertThat(aliceAgain.body()).isEqualTo(alice.body());
    assertThat(bobAgain.body()).isEqualTo(bob.body());
    for (HttpResponse<String> r : List.of(alice, bob, aliceAgain, bobAgain)) {
      assertThat(r.headers().firstValue("Cache-Control")).hasValueSatisfying(
          cc -> assertThat(cc).matches("private, max-age=\\d+"));
      assertThat(maxAge(r)).isBetween(1L, 60L);
      assertThat(r.headers().firstValue("Vary")).hasValueSatisfying(
          v -> assertThat(v).contains("Authorization").contains("Cookie"));
      assertThat(r.headers().firstValue("ETag")).isPresent();
    }
    assertThat(calls("mine-auth")).isEqualTo(2);
  }

  @Test
  void perUser_cookieUser_isNotServedTheAnonymousEntry() {
    HttpResponse<String> anonymous = get("/mine/anon");
    HttpResponse<String> user = get("/mine/anon", "Cookie", "session=carol");
    HttpResponse<String> literalNull = get("/mine/anon", "Authorization", "null");

    assertThat(anonymous.body()).endsWith(" run 1");
    assertThat(user.body()).contains("session=carol").endsWith(" run 2");
    assertThat(literalNull.body()).contains("[null]").endsWith(" run 3");
    assertThat(get("/mine/anon").body()).isEqualTo(anonymous.body());
  }

  /**
   * A request may carry its cookies in more than one {@code Cookie} field (HTTP/2 clients split
   * them, RFC 9113 section 8.2.3); users who share the first field must still not share an entry.
   */
  @Test
  void perUser_keysByEveryCookieField_notJustTheFirst() throws Exception {
    Http.RawResponse alice = rawGet("/mine/split", "Cookie: theme=dark", "Cookie: session=alice");
    Http.RawResponse bob = rawGet("/mine/split", "Cookie: theme=dark", "Cookie: session=bob");

    assertThat(alice.body()).isEqualTo("mine split authorization=[] cookie=[theme=dark, session=alice] run 1");
    assertThat(bob.body()).isEqualTo("mine split authorization=[] cookie=[theme=dark, session=bob] run 2");
  }

  private static Http.RawResponse rawGet(String path, String... headerLines) throws Exception {
    try (Socket socket = Http.connect(server.port())) {
      StringBuilder request = new StringBuilder("GET ").append(path).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
      for (String h : headerLines) {
        request.append(h).append("\r\n");
      }
      Http.write(socket, request.append("Connection: close\r\n\r\n").toString());
      return Http.readResponse(socket);
    }
  }

  @Test
  void httpExceptions_withoutCachedNotFound_areNotCached() {
    for (int i = 1; i <= 3; i++) {
      HttpResponse<String> r = get("/missing");

      assertThat(r.statusCode()).isEqualTo(404);
      assertThat(Http.error(r)).isEqualTo("nothing here");
      assertThat(r.headers().firstValue("ETag")).isEmpty();
    }
    assertThat(calls("missing")).isEqualTo(3);
  }

  @Test
  void exceptions_areNotCached() {
    for (int i = 1; i <= 3; i++) {
      HttpResponse<String> r = get("/broken");

      assertThat(r.statusCode()).isEqualTo(500);
      assertThat(Http.error(r)).startsWith("internal server error");
      assertThat(r.body()).doesNotContain("broken on purpose");
    }
    assertThat(calls("broken")).isEqualTo(3);
  }

  @Test
  void notFound_isServedFromItsCache_withTheUncachedRoutesBody_andMaxAgeWithinItsTtl() {
    HttpResponse<String> uncached = get("/gone-uncached/a");
    HttpResponse<String> first = get("/gone/a");
    HttpResponse<String> second = get("/gone/a");

    assertThat(uncached.statusCode()).isEqualTo(404);
    for (HttpResponse<String> r : List.of(first, second)) {
      assertThat(r.statusCode()).isEqualTo(404);
      assertThat(r.body()).isEqualTo(uncached.body()).isEqualTo("{\"error\":\"no \\\"a\\\" here\"}");
      assertThat(r.headers().firstValue("Content-Type")).isEqualTo(uncached.headers().firstValue("Content-Type"))
          .hasValue("application/json");
      assertThat(r.headers().firstValue("ETag")).hasValueSatisfying(e -> assertThat(e).matches(STRONG_ETAG));
      assertThat(r.headers().firstValue("Cache-Control")).hasValueSatisfying(
          cc -> assertThat(cc).matches("public, max-age=\\d+"));
      assertThat(maxAge(r)).isBetween(1L, 10L);
    }
    assertThat(second.headers().firstValue("ETag")).isEqualTo(first.headers().firstValue("ETag"));
    assertThat(calls("gone-a")).isEqualTo(1);
    assertThat(get("/gone/b").statusCode()).isEqualTo(404);
    assertThat(calls("gone-b")).isEqualTo(1);
  }

  /** Preconditions apply to 2xx answers only (RFC 9110, section 13.2.1): a cached 404 stays a 404. */
  @ParameterizedTest(name = "If-None-Match: {0}")
  @ValueSource(strings = {"etag", "star"})
  void notFound_ifNoneMatch_staysA404_withoutRunningTheHandler(String form) {
    String path = "/gone/inm-" + form;
    HttpResponse<String> first = get(path);
    String etag = first.headers().firstValue("ETag").orElseThrow();

    HttpResponse<String> conditional = get(path, "If-None-Match", form.equals("star") ? "*" : etag);

    assertThat(conditional.statusCode()).isEqualTo(404);
    assertThat(conditional.body()).isEqualTo(first.body());
    assertThat(conditional.headers().firstValue("Cache-Control")).hasValueSatisfying(
        cc -> assertThat(cc).startsWith("public, max-age="));
    assertThat(calls("gone-inm-" + form)).isEqualTo(1);
  }

  @Test
  void notFound_coldConcurrentRequests_runTheHandlerOnce_andAllGetItsAnswer() {
    int n = 50;
    List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      responses.add(Http.sendAsync(server.client(), server.request("/gone-cold").GET().build()));
    }
    // Every request has missed and waits on the single load; only now may the load find nothing.
    await().atMost(Duration.ofSeconds(15)).until(() -> misses("http.GET_gone-cold") >= n);
    GONE_COLD_GATE.complete(null);

    Set<String> etags = new HashSet<>();
    for (CompletableFuture<HttpResponse<String>> f : responses) {
      HttpResponse<String> r = Http.await(f);
      assertThat(r.statusCode()).isEqualTo(404);
      assertThat(Http.error(r)).isEqualTo("cold run 1 found nothing");
      etags.add(r.headers().firstValue("ETag").orElseThrow());
    }
    assertThat(etags).hasSize(1);
    assertThat(get("/gone-cold").body()).isEqualTo(Http.await(responses.get(0)).body());
    assertThat(calls("gone-cold")).isEqualTo(1);
  }

  @Test
  void notFound_afterItsTtl_runsTheHandlerAgain_andTheItemCreatedMeanwhileIsStored() {
    AtomicLong nanos = new AtomicLong();
    try (TestServer shelf = TestServer.start(vertx,
        o -> o.cache(CacheOptions.builder().ticker(nanos::get).build()), new Shelf())) {
      HttpResponse<String> missing = shelf.get("/shelf/book");
      SHELF.put("book", "a book");
      HttpResponse<String> stillMissing = shelf.get("/shelf/book");
      nanos.addAndGet(Duration.ofMillis(999).toNanos());
      HttpResponse<String> lastMissing = shelf.get("/shelf/book");
      int runsWhileFresh = calls("shelf-book");
      nanos.addAndGet(Duration.ofMillis(1).toNanos());
      HttpResponse<String> found = shelf.get("/shelf/book");
      HttpResponse<String> foundAgain = shelf.get("/shelf/book");

      for (HttpResponse<String> r : List.of(missing, stillMissing, lastMissing)) {
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(Http.error(r)).isEqualTo("no book on the shelf");
      }
      assertThat(maxAge(missing)).isEqualTo(1);
      assertThat(maxAge(lastMissing)).isZero();
      assertThat(runsWhileFresh).isEqualTo(1);
      assertThat(found.statusCode()).isEqualTo(200);
      assertThat(found.body()).isEqualTo("a book");
      assertThat(maxAge(found)).isEqualTo(60);
      assertThat(foundAgain.body()).isEqualTo("a book");
      assertThat(calls("shelf-book")).isEqualTo(2);
    }
  }

  @Test
  void notFoundResponse_isStored_likeAThrownOne() {
    HttpResponse<String> first = get("/gone-response/plain");
    HttpResponse<String> second = get("/gone-response/plain");

    for (HttpResponse<String> r : List.of(first, second)) {
      assertThat(r.statusCode()).isEqualTo(404);
      assertThat(r.body()).isEqualTo("missing plain run 1");
      assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain; charset=utf-8");
      assertThat(r.headers().firstValue("ETag")).isPresent();
    }
    assertThat(calls("gone-response-plain")).isEqualTo(1);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"set-cookie, Set-Cookie", "private, Cache-Control", "no-store, Cache-Control"})
  void unshareableNotFound_isNeverStored_andTheHandlerRunsEveryTime(String kind, String header) {
    for (int i = 1; i <= 3; i++) {
      HttpResponse<String> r = get("/gone-response/" + kind);

      assertThat(r.statusCode()).isEqualTo(404);
      assertThat(r.body()).isEqualTo("missing " + kind + " run " + i);
      assertThat(r.headers().firstValue(header)).isPresent();
      assertThat(r.headers().firstValue("ETag")).isEmpty();
    }
    assertThat(calls("gone-response-" + kind)).isEqualTo(3);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({"bad-request, 400", "unavailable, 503", "broken, 500", "response-400, 400",
      "response-500, 500"})
  void otherErrorStatuses_withCachedNotFound_areNeverStored(String kind, int status) {
    for (int i = 1; i <= 3; i++) {
      HttpResponse<String> r = get("/gone-other/" + kind);

      assertThat(r.statusCode()).isEqualTo(status);
      assertThat(r.headers().firstValue("ETag")).isEmpty();
      assertThat(r.headers().firstValue("Cache-Control")).isEmpty();
      if (!kind.equals("broken")) {
        assertThat(r.body()).contains("run " + i);
      }
    }
    assertThat(calls("gone-other-" + kind)).isEqualTo(3);
  }

  @Test
  void notFound_perUser_isKeptPerUser_andAnsweredPrivate() {
    HttpResponse<String> alice = get("/gone-mine/x", "Authorization", "Bearer alice");
    HttpResponse<String> aliceAgain = get("/gone-mine/x", "Authorization", "Bearer alice");
    HttpResponse<String> bob = get("/gone-mine/x", "Authorization", "Bearer bob");

    assertThat(Http.error(alice)).isEqualTo("nothing for Bearer alice");
    assertThat(aliceAgain.body()).isEqualTo(alice.body());
    assertThat(Http.error(bob)).isEqualTo("nothing for Bearer bob");
    for (HttpResponse<String> r : List.of(alice, aliceAgain, bob)) {
      assertThat(r.statusCode()).isEqualTo(404);
      assertThat(r.headers().firstValue("Cache-Control")).hasValueSatisfying(
          cc -> assertThat(cc).matches("private, max-age=\\d+"));
      assertThat(r.headers().firstValue("Vary")).hasValueSatisfying(
          v -> assertThat(v).contains("Authorization").contains("Cookie"));
    }
    assertThat(calls("gone-mine-x-Bearer alice")).isEqualTo(1);
    assertThat(calls("gone-mine-x-Bearer bob")).isEqualTo(1);
  }

  @Test
  void cachedStream_isRefusedAtBind_namingTheMethod() {
    BulwarkServer fresh = newServer();

    assertThatThrownBy(() -> fresh.handler(new StreamRoute()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("StreamRoute.items()")
        .hasMessageContaining("stream");
  }

  @Test
  void badTtl_isRefusedAtBind_namingTheMethodAndTheValue() {
    BulwarkServer fresh = newServer();

    assertThatThrownBy(() -> fresh.handler(new BadTtl()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("BadTtl.soon()")
        .hasMessageContaining("soon")
        .hasMessageContaining("ttl");
  }

  private static BulwarkServer newServer() {
    return BulwarkServer.create(vertx, ServerOptions.builder().port(0).host("127.0.0.1")
        .eventLoops(1).drainGrace(Duration.ZERO).build());
  }

  @Test
  void metrics_showTheRouteCachesMeters() {
    get("/metered");
    get("/metered");
    get("/metered");

    await().atMost(Http.TIMEOUT).untilAsserted(() -> {
      List<String> lines = server.get("/metrics").body().lines().toList();
      assertThat(lines).anyMatch(l -> l.startsWith("bulwark_cache_gets_total{")
          && l.contains("cache=\"http.GET_metered\"") && l.contains("result=\"hit\"") && l.endsWith(" 2.0"));
      assertThat(lines).anyMatch(l -> l.startsWith("bulwark_cache_gets_total{")
          && l.contains("cache=\"http.GET_metered\"") && l.contains("result=\"miss\"") && l.endsWith(" 1.0"));
      assertThat(lines).anyMatch(l -> l.startsWith("bulwark_cache_loads_total{")
          && l.contains("cache=\"http.GET_metered\"") && l.contains("result=\"success\"") && l.endsWith(" 1.0"));
      assertThat(lines).anyMatch(l -> l.startsWith("bulwark_cache_load_time_seconds")
          && l.contains("cache=\"http.GET_metered\""));
    });
    assertThat(calls("metered")).isEqualTo(1);
  }
}
