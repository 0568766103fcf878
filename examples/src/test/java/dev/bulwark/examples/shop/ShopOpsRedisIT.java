package dev.bulwark.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.bulwark.cache.CacheHealth;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The ops page of a shop on Redis ({@code redis://127.0.0.1:6379}): the cache breaker's state,
 * the Redis task queue, and a dead task there retried and discarded over HTTP. Skipped without
 * Redis unless {@code bulwark.requireServers=true}.
 */
class ShopOpsRedisIT {

  private static final HttpClient CLIENT = HttpClient.newHttpClient();
  private static Shop shop;

  @BeforeAll
  static void start() throws Exception {
    Servers.assumeRedis();
    shop = OpsFixture.start("opsredis", "127.0.0.1", Servers.REDIS_URL, true, null);
    // A slow first connect opens the breaker; its probe closes it once Redis answers.
    await().atMost(Duration.ofSeconds(15)).until(
        () -> shop.server().cacheManager().health().status() == CacheHealth.Status.UP);
  }

  @AfterAll
  static void stop() throws Exception {
    if (shop != null) {
      shop.drain().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  private static HttpResponse<String> send(String method, String path) throws Exception {
    return CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + shop.port() + path))
        .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonObject state() throws Exception {
    HttpResponse<String> r = send("GET", "/ops/api/state");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return new JsonObject(r.body());
  }

  @Test
  void state_showsTheClosedBreakerAndTheRedisQueue() throws Exception {
    JsonObject state = state();

    assertThat(state.getJsonObject("caches").getString("breaker")).isEqualTo("CLOSED");
    assertThat(state.getJsonObject("caches").getJsonArray("caches").stream()
        .map(o -> ((JsonObject) o).getString("tier"))).contains("TWO_LEVEL");
    JsonObject queue = OpsFixture.queue(state);
    assertThat(queue.getString("backend")).isEqualTo("redis");
    assertThat(queue.getBoolean("healthy")).isTrue();
  }

  @Test
  void deadTaskInRedis_retriedThenAnotherDiscarded() throws Exception {
    String retried = OpsFixture.deadTask(shop, "redis retry");
    String discarded = OpsFixture.deadTask(shop, "redis discard");
    assertThat(OpsFixture.deadTask(state(), retried)).isNotNull();

    assertThat(send("POST", "/ops/api/tasks/" + retried + "/retry").statusCode()).isEqualTo(200);
    assertThat(send("POST", "/ops/api/tasks/" + discarded + "/discard").statusCode()).isEqualTo(200);

    await().atMost(Duration.ofSeconds(30)).until(() -> "succeeded".equals(
        new JsonObject(send("GET", "/tasks/" + retried).body()).getString("state")));
    JsonObject after = state();
    assertThat(OpsFixture.deadTask(after, retried)).isNull();
    assertThat(OpsFixture.deadTask(after, discarded)).isNull();
    assertThat(send("GET", "/tasks/" + discarded).statusCode()).isEqualTo(404);
    assertThat(send("POST", "/ops/api/tasks/" + discarded + "/retry").statusCode()).isEqualTo(404);
  }
}
