package dev.bulwark.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bulwark.cache.Cached;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Cache poisoning: headers a cached route does not declare never change the body it caches, a
 * header it declares keys the entry (and is answered in {@code Vary}), and an answer to a
 * credentialed request or one that sets a cookie is never stored for others.
 */
@ExtendWith(VertxExtension.class)
class CachePoisoningHostileTest {

  private Routes routes;
  private TestServer server;

  @BeforeEach
  void start(Vertx vertx) {
    routes = new Routes();
    server = TestServer.start(vertx, routes);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  public static class Routes {
    final AtomicInteger computed = new AtomicInteger();

    @Get("/page")
    @Cached(ttl = "60s")
    public String page() {
      return "page " + computed.incrementAndGet();
    }

    @Get("/link")
    @Cached(ttl = "60s")
    public String link(@HeaderParam("X-Forwarded-Host") String host) {
      return "https://" + (host == null ? "shop.example" : host) + "/ " + computed.incrementAndGet();
    }

    @Get("/session")
    @Cached(ttl = "60s")
    public Response<String> session() {
      return Response.ok("session " + computed.incrementAndGet())
          .withHeader("Set-Cookie", "sid=" + computed.get());
    }
  }

  private HttpResponse<String> get(String path, String... headers) {
    HttpRequest.Builder b = server.request(path).GET();
    if (headers.length > 0) {
      b.headers(headers);
    }
    return server.send(b.build());
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"X-Forwarded-Host: evil.example", "X-Original-URL: /admin",
      "X-Rewrite-URL: /admin", "X-HTTP-Method-Override: DELETE", "X-Forwarded-Proto: http",
      "X-Forwarded-Scheme: nothttps", "X-Forwarded-Port: 1337", "X-Host: evil.example",
      "Forwarded: host=evil.example", "X-Forwarded-Prefix: /evil", "X-Original-Host: evil.example"})
  void unkeyedHeader_neverChangesTheCachedBody(String header) {
    String[] nv = header.split(": ", 2);
    HttpResponse<String> poisoned = get("/page", nv[0], nv[1]);
    HttpResponse<String> clean = get("/page");

    assertThat(poisoned.statusCode()).isEqualTo(200);
    assertThat(clean.body()).isEqualTo(poisoned.body()).isEqualTo("page 1");
    assertThat(routes.computed.get()).as("computations").isEqualTo(1);
  }

  @Test
  void declaredHeader_keysTheEntry_andIsAnsweredInVary() {
    HttpResponse<String> poisoned = get("/link", "X-Forwarded-Host", "evil.example");
    HttpResponse<String> clean = get("/link");
    HttpResponse<String> cleanAgain = get("/link");

    assertThat(poisoned.body()).startsWith("https://evil.example/");
    assertThat(clean.body()).startsWith("https://shop.example/").doesNotContain("evil");
    assertThat(cleanAgain.body()).isEqualTo(clean.body());
    assertThat(clean.headers().allValues("vary").toString()).containsIgnoringCase("X-Forwarded-Host");
  }

  @Test
  void credentialedAnswer_isNeverServedToOthers() {
    HttpResponse<String> credentialed = get("/page", "Authorization", "Bearer alice");
    HttpResponse<String> anonymous = get("/page");
    HttpResponse<String> again = get("/page", "Authorization", "Bearer mallory");

    assertThat(credentialed.body()).isEqualTo("page 1");
    assertThat(anonymous.body()).as("not alice's answer").isEqualTo("page 2");
    assertThat(again.body()).as("not stored for another credential either").isEqualTo("page 3");
    assertThat(get("/page").body()).isEqualTo("page 2");
  }

  @Test
  void answerThatSetsACookie_isNeverStored() {
    HttpResponse<String> first = get("/session");
    HttpResponse<String> second = get("/session");

    assertThat(first.body()).isEqualTo("session 1");
    assertThat(second.body()).as("computed again, not served from the cache").isEqualTo("session 2");
    assertThat(second.headers().firstValue("set-cookie")).hasValue("sid=2");
  }
}
