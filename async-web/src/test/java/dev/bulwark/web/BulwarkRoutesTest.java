package dev.bulwark.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link BulwarkRoutes} on a router and HTTP server the application owns: same binding, same
 * threading rule, errors answered as JSON by the routes themselves, the user's routes untouched.
 */
@ExtendWith(VertxExtension.class)
class BulwarkRoutesTest {

  private static WorkerPool pool;
  private static HttpServer httpServer;
  private static final HttpClient CLIENT = Http.newClient();

  @BeforeAll
  static void start(Vertx vertx) {
    pool = WorkerPool.builder().name("default").maxConcurrency(2).build();
    Router router = Router.router(vertx);
    router.get("/own").handler(ctx -> ctx.response().end("own route"));
    BulwarkRoutes.of(Map.of("default", pool), null, 1_048_576, new Orders()).mountOn(router);
    httpServer = Http.await(vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1"));
  }

  @AfterAll
  static void stop() {
    Http.await(httpServer.close());
    Http.await(pool.close(Duration.ofSeconds(1)));
  }

  public record Order(String sku, int qty) {
  }

  public static class Orders {
    @Get("/orders/{id}/thread")
    public String thread(@PathParam("id") long id) {
      return id + " on " + Thread.currentThread().getName();
    }

    @Post("/orders")
    public Response<Order> create(@Body Order order) {
      return Response.created("/orders/1", new Order(order.sku(), order.qty() * 2));
    }

    @Get("/orders/loop")
    public Future<String> loop() {
      return Future.succeededFuture(Thread.currentThread().getName());
    }
  }

  private static HttpResponse<String> get(String path) {
    return Http.send(CLIENT, Http.request(httpServer.actualPort(), path).GET().build());
  }

  private static HttpResponse<String> post(String path, String contentType, String body) {
    return Http.send(CLIENT, Http.request(httpServer.actualPort(), path)
        .header("Content-Type", contentType)
        .POST(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  @Test
  void blockingRoute_runsOnTheGivenPool() {
    HttpResponse<String> response = get("/orders/7/thread");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).matches("7 on bulwark-default-\\d+");
  }

  @Test
  void asyncRoute_runsOnTheEventLoop() {
    assertThat(get("/orders/loop").body()).matches("vert\\.x-eventloop-thread-\\d+");
  }

  @Test
  void jsonRoute_bindsBodyAndWritesResponse() {
    HttpResponse<String> response = post("/orders", "application/json", "{\"sku\":\"a\",\"qty\":2}");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    assertThat(response.headers().firstValue("Location")).hasValue("/orders/1");
    assertThat(Http.json(response.body())).isEqualTo(Http.json("{\"sku\":\"a\",\"qty\":4}"));
  }

  @Test
  void bindingErrors_areAnsweredAsJsonByTheRoute() {
    HttpResponse<String> badPath = get("/orders/x/thread");
    HttpResponse<String> badType = post("/orders", "text/plain", "{}");
    HttpResponse<String> badJson = post("/orders", "application/json", "{\"sku\":");

    assertThat(badPath.statusCode()).isEqualTo(400);
    assertThat(Http.error(badPath)).isEqualTo("path parameter 'id' must be an integer, but was 'x'");
    assertThat(badType.statusCode()).isEqualTo(415);
    assertThat(Http.error(badType)).startsWith("request body must be application/json");
    assertThat(badJson.statusCode()).isEqualTo(400);
    assertThat(Http.error(badJson)).startsWith("malformed JSON body");
  }

  @Test
  void usersOwnRoutes_keepWorking() {
    assertThat(get("/own").body()).isEqualTo("own route");
  }

  @Test
  void mountOn_canMountOnSeveralRouters(Vertx vertx) {
    BulwarkRoutes routes = BulwarkRoutes.of(Map.of("default", pool), null, 1024, new Orders());
    Router one = Router.router(vertx);
    Router two = Router.router(vertx);

    assertThat(routes.mountOn(one)).isSameAs(one);
    assertThat(routes.mountOn(two).getRoutes()).hasSize(3);
  }

  public static class NamedPool {
    @Blocking("reports")
    @Get("/reports")
    public String reports() {
      return "";
    }
  }

  @Test
  void badDeclaration_failsAtOf() {
    assertThatThrownBy(() -> BulwarkRoutes.of(Map.of("default", pool), null, 1024, new NamedPool()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("NamedPool.reports()")
        .hasMessageContaining("worker pool 'reports', which is not configured");
  }

  @Test
  void nonPositiveMaxBodySize_isRefused() {
    assertThatThrownBy(() -> BulwarkRoutes.of(Map.of("default", pool), null, 0, new Orders()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxBodySize must be >= 1 byte, but was 0");
  }
}
