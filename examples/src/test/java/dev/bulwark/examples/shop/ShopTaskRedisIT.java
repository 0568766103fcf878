package dev.bulwark.examples.shop;

import static dev.bulwark.examples.shop.ShopTaskTest.accepted;
import static dev.bulwark.examples.shop.ShopTaskTest.awaitState;
import static dev.bulwark.examples.shop.ShopTaskTest.expectedSummary;
import static dev.bulwark.examples.shop.ShopTaskTest.send;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Web and worker processes apart, as Celery users run them: a {@code --role web} shop takes
 * {@code POST /tasks} and answers {@code GET /tasks/{id}}, a {@code --role worker} shop runs the
 * reports, and the queue between them lives in Redis ({@code redis://127.0.0.1:6379}). Each shop
 * has its own Vert.x and H2 database in this JVM.
 */
class ShopTaskRedisIT {

  private static Shop web;
  private static Shop worker;

  @BeforeAll
  static void start() throws Exception {
    Servers.assumeRedis();
    web = start("jdbc:h2:mem:shoptasks-web;DB_CLOSE_DELAY=-1", ShopConfig.Role.WEB);
    worker = start("jdbc:h2:mem:shoptasks-worker;DB_CLOSE_DELAY=-1", ShopConfig.Role.WORKER);
  }

  private static Shop start(String db, ShopConfig.Role role) throws Exception {
    ShopConfig config = new ShopConfig("127.0.0.1", 0, 4, 8, Duration.ofSeconds(1), 1,
        Duration.ofSeconds(5), db, 4, Servers.REDIS_URL, role);
    return Shop.start(config).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    for (Shop s : new Shop[] {web, worker}) {
      if (s != null) {
        s.drain().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
    }
  }

  private static double succeeded(Shop shop) {
    Counter c = shop.server().meterRegistry().find("bulwark.tasks.succeeded")
        .tags("queue", "shop", "type", ReportTask.TYPE).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void reportSubmittedOnTheWebShop_runsOnTheWorkerShop() throws Exception {
    double before = succeeded(worker);
    String id = accepted(send(web.port(), "POST", "/tasks", "{\"type\":\"report\",\"rows\":123456}"));

    String done = awaitState(web.port(), id, "succeeded");

    assertThat(done).contains("\"result\":" + expectedSummary(123_456));
    assertThat(succeeded(worker)).isEqualTo(before + 1);
    assertThat(succeeded(web)).isZero();
  }

  @Test
  void workerShop_servesProbesAndMetricsButNotTheShop() throws Exception {
    assertThat(send(worker.port(), "GET", "/health", null).statusCode()).isEqualTo(200);
    assertThat(send(worker.port(), "GET", "/ready", null).statusCode()).isEqualTo(200);
    assertThat(send(worker.port(), "GET", "/metrics", null).body()).contains("bulwark_tasks_");
    assertThat(send(worker.port(), "GET", "/hello", null).statusCode()).isEqualTo(404);
    assertThat(send(worker.port(), "POST", "/tasks", "{\"type\":\"report\",\"rows\":1}").statusCode())
        .isEqualTo(404);
  }

  @Test
  void cancelOnTheWebShop_stopsTheReportRunningOnTheWorker() throws Exception {
    String id = accepted(send(web.port(), "POST", "/tasks", "{\"type\":\"report\",\"rows\":100000000}"));
    awaitState(web.port(), id, "running");

    assertThat(send(web.port(), "DELETE", "/tasks/" + id, null).statusCode()).isEqualTo(202);

    assertThat(awaitState(web.port(), id, "cancelled")).doesNotContain("\"progress\":1.0");
  }
}
