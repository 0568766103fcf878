package dev.bulwark.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A full worker pool turns requests away at once with 503 and {@code Retry-After}, while the
 * request holding the pool finishes normally and probes stay answered.
 */
@ExtendWith(VertxExtension.class)
class PoolRejectionTest {

  private Gate gate;
  private TestServer server;

  @BeforeEach
  void start(Vertx vertx) {
    gate = new Gate();
    server = TestServer.start(vertx,
        o -> o.workerPool("default", b -> b.maxConcurrency(1).maxQueue(0)), gate);
  }

  @AfterEach
  void stop() {
    gate.release.countDown();
    server.close();
  }

  public static class Gate {
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    @Get("/hold")
    public String hold() throws InterruptedException {
      entered.countDown();
      return release.await(10, TimeUnit.SECONDS) ? "released" : "timed out";
    }

    @Get("/quick")
    public String quick() {
      return "quick";
    }
  }

  @Test
  void fullPool_rejectsNextRequestWith503AndRetryAfter() throws Exception {
    CompletableFuture<HttpResponse<String>> held =
        Http.sendAsync(server.client(), server.request("/hold").build());
    assertThat(gate.entered.await(5, TimeUnit.SECONDS)).as("first request reached the handler").isTrue();

    HttpResponse<String> rejected = server.get("/quick");

    assertThat(held).as("answered while the first request is still held").isNotDone();
    assertThat(rejected.statusCode()).isEqualTo(503);
    assertThat(rejected.headers().firstValue("Retry-After")).hasValueSatisfying(v ->
        assertThat(Integer.parseInt(v)).isGreaterThanOrEqualTo(1));
    assertThat(rejected.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(Http.error(rejected)).startsWith("overloaded, retry after ");
    assertThat(server.server().pool("default").stats().rejected()).isEqualTo(1);

    gate.release.countDown();
    HttpResponse<String> first = Http.await(held);
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.body()).isEqualTo("released");
  }

  @Test
  void fullPool_stillAnswersProbes() throws Exception {
    CompletableFuture<HttpResponse<String>> held =
        Http.sendAsync(server.client(), server.request("/hold").build());
    assertThat(gate.entered.await(5, TimeUnit.SECONDS)).isTrue();

    assertThat(server.get("/health").statusCode()).isEqualTo(200);
    assertThat(server.get("/ready").statusCode()).isEqualTo(200);

    gate.release.countDown();
    assertThat(Http.await(held).statusCode()).isEqualTo(200);
  }

  @Test
  void pool_admitsAgainAfterTheHeldRequestFinishes() throws Exception {
    CompletableFuture<HttpResponse<String>> held =
        Http.sendAsync(server.client(), server.request("/hold").build());
    assertThat(gate.entered.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(server.get("/quick").statusCode()).isEqualTo(503);

    gate.release.countDown();
    assertThat(Http.await(held).statusCode()).isEqualTo(200);
    // The worker gives its slot back just after handing over the result, so wait for that.
    await().atMost(Http.TIMEOUT).until(() -> server.server().pool("default").stats().active() == 0);

    HttpResponse<String> again = server.get("/quick");
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(again.body()).isEqualTo("quick");
  }
}
