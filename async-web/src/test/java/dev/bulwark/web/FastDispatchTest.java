package dev.bulwark.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Timer;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Routes with path parameters are served without vertx-web's router when nothing else could
 * match: same answers, metrics and errors as through the router, and the router still takes every
 * path it might read differently.
 */
@ExtendWith(VertxExtension.class)
class FastDispatchTest {

  public static class Items {
    final AtomicInteger tagCalls = new AtomicInteger();

    @NonBlocking
    @Get("/items/{id}")
    public String item(@PathParam("id") @Range(min = 1) long id) {
      return "item " + id;
    }

    @NonBlocking
    @Get("/items/{id}/tags/{tag}")
    public String tag(@PathParam("tag") String tag, @PathParam("id") long id,
        @QueryParam("suffix") String suffix, @HeaderParam("X-Who") String who) {
      tagCalls.incrementAndGet();
      return id + "/" + tag + "/" + suffix + "/" + who;
    }

    // Declared (and named) before the literal route below: the literal must still win.
    @NonBlocking
    @Get("/things/{name}")
    public String aThing(@PathParam("name") String name) {
      return "template " + name;
    }

    @NonBlocking
    @Get("/things/latest")
    public String bLatest() {
      return "literal";
    }

    @NonBlocking
    @Get("/pairs/{a}/x")
    public String pairA(@PathParam("a") String a) {
      return "a " + a;
    }

    @NonBlocking
    @Get("/pairs/y/{b}")
    public String pairB(@PathParam("b") String b) {
      return "b " + b;
    }
  }

  private Vertx vertx;
  private TestServer server;
  private Items items;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    items = new Items();
    server = TestServer.start(vertx, items);
  }

  @AfterEach
  void stop() {
    server.close();
    vertx.close().await();
  }

  private Http.RawResponse raw(String path) throws Exception {
    try (Socket socket = Http.connect(server.port())) {
      Http.write(socket, Http.get(path));
      return Http.readResponse(socket);
    }
  }

  @Test
  void pathQueryAndHeaderParameters_areBound() {
    var r = server.send(server.request("/items/7/tags/red?suffix=s").header("X-Who", "me").GET().build());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("7/red/s/me");
    assertThat(server.get("/items/42").body()).isEqualTo("item 42");
  }

  @Test
  void badPathParameters_get400sNamingThem() {
    var r = server.get("/items/abc");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(Http.error(r)).contains("path parameter 'id'").contains("abc");
    var zero = server.get("/items/0");
    assertThat(zero.statusCode()).isEqualTo(400);
    assertThat(Http.error(zero)).contains("path parameter 'id'");
  }

  @Test
  void escapedPaths_goThroughTheRouter_andMeanTheSame() throws Exception {
    Http.RawResponse r = raw("/items/%34%32");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("item 42");
    Http.RawResponse tag = raw("/items/7/tags/r%20d");
    assertThat(tag.status()).isEqualTo(200);
    assertThat(tag.body()).isEqualTo("7/r d/null/null");
  }

  @Test
  void missesAndOtherMethods_areTheRoutersToAnswer() throws Exception {
    assertThat(raw("/items/7/tags").status()).isEqualTo(404);
    assertThat(raw("/nothing/here").status()).isEqualTo(404);
    try (Socket socket = Http.connect(server.port())) {
      Http.write(socket, "DELETE /items/7 HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n");
      assertThat(Http.readResponse(socket).status()).isEqualTo(405);
    }
  }

  @Test
  void aLiteralPath_winsOverATemplateThatAlsoMatchesIt() {
    assertThat(server.get("/things/latest").body()).isEqualTo("literal");
    assertThat(server.get("/things/other").body()).isEqualTo("template other");
  }

  @Test
  void overlappingTemplates_areLeftToTheRouter_whichServesBoth() {
    assertThat(server.get("/pairs/q/x").body()).isEqualTo("a q");
    assertThat(server.get("/pairs/y/q").body()).isEqualTo("b q");
    // Both match /pairs/y/x: the router's order decides (pairA is bound first).
    assertThat(server.get("/pairs/y/x").body()).isEqualTo("a y");
  }

  @Test
  void requestsAreMeasuredUnderTheirTemplate() {
    for (int i = 0; i < 3; i++) {
      assertThat(server.get("/items/" + (i + 1) + "/tags/t").statusCode()).isEqualTo(200);
    }
    Timer timer = server.server().meterRegistry().find("http.server.requests")
        .tags("route", "/items/{id}/tags/{tag}", "status", "200").timer();
    assertThat(timer).isNotNull();
    assertThat(timer.count()).isEqualTo(3);
    assertThat(items.tagCalls).hasValue(3);
  }
}
