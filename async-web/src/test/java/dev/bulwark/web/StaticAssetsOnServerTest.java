package dev.bulwark.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link StaticAssets} mounted on a {@link BulwarkServer} with {@link BulwarkServer#routes}. */
class StaticAssetsOnServerTest {

  /** An annotated route beside the assets. */
  public static final class Hello {
    @Get("/hello")
    @NonBlocking
    public String hello() {
      return "hi";
    }
  }

  private Vertx vertx;
  private BulwarkServer server;
  private StaticAssets assets;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    assets = StaticAssets.create(vertx, StaticAssetsOptions.builder().classpath("static-test").build());
    server = BulwarkServer.create(vertx, ServerOptions.builder().port(0).host("127.0.0.1").eventLoops(2)
            .drainGrace(Duration.ofSeconds(2)).build())
        .handler(new Hello())
        .routes(assets::mountOn);
    Http.await(server.start());
  }

  @AfterEach
  void stop() {
    Http.await(server.drain());
    assets.close();
    Http.await(vertx.close());
  }

  @Test
  void assetsAndAnnotatedRoutes_areServedSideBySide() {
    HttpResponse<String> js = Http.send(Http.newClient(), Http.request(server.port(), assets.url("main.js")).GET().build());
    HttpResponse<String> hello = Http.send(Http.newClient(), Http.request(server.port(), "/hello").GET().build());
    HttpResponse<String> missing = Http.send(Http.newClient(), Http.request(server.port(), "/assets/nope.js").GET().build());

    assertThat(js.statusCode()).isEqualTo(200);
    assertThat(js.headers().firstValue("cache-control")).hasValue("public, max-age=31536000, immutable");
    assertThat(hello.body()).isEqualTo("hi");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.body()).isEqualTo("{\"error\":\"no such asset\"}");
  }

  @Test
  void routes_afterStartIsRefused() {
    assertThatThrownBy(() -> server.routes(assets::mountOn))
        .isInstanceOf(IllegalStateException.class).hasMessage("routes must be added before start()");
  }
}
