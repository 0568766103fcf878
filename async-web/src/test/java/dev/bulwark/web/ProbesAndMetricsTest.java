package dev.bulwark.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code /health}, {@code /ready} and {@code /metrics} on a running server. */
@ExtendWith(VertxExtension.class)
class ProbesAndMetricsTest {

  private static TestServer server;

  @BeforeAll
  static void start(Vertx vertx) {
    server = TestServer.start(vertx, o -> o.workerPool("reports", b -> b.maxConcurrency(2)),
        new Items());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  public static class Items {
    @Get("/items/{id}")
    public String item(@PathParam("id") long id) {
      return "item " + id;
    }
  }

  @Test
  void health_answersUp() {
    HttpResponse<String> response = server.get("/health");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(Http.json(response.body())).isEqualTo(Http.json("{\"status\":\"UP\"}"));
  }

  @Test
  void ready_answersReadyAfterStart() {
    HttpResponse<String> response = server.get("/ready");

    assertThat(server.server().state()).isEqualTo(ServerState.READY);
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(Http.json(response.body())).isEqualTo(Http.json("{\"status\":\"READY\"}"));
  }

  @Test
  void metrics_recordRequestsByRouteTemplate() {
    assertThat(server.get("/items/42").statusCode()).isEqualTo(200);
    assertThat(server.get("/items/43").statusCode()).isEqualTo(200);
    assertThat(server.get("/items/nope").statusCode()).isEqualTo(400);

    // The timer is updated when the response has ended, which may be after the client saw it.
    await().atMost(Http.TIMEOUT).untilAsserted(() -> {
      List<String> lines = scrape();
      assertThat(lines).anyMatch(l -> l.startsWith("http_server_requests_seconds_bucket{")
          && l.contains("route=\"/items/{id}\"") && l.contains("status=\"200\"")
          && l.contains("method=\"GET\""));
      assertThat(lines).anyMatch(l -> l.startsWith("http_server_requests_seconds_count{")
          && l.contains("route=\"/items/{id}\"") && l.contains("status=\"200\"") && l.endsWith(" 2"));
      assertThat(lines).anyMatch(l -> l.startsWith("http_server_requests_seconds_count{")
          && l.contains("route=\"/items/{id}\"") && l.contains("status=\"400\""));
    });
    assertThat(scrape()).noneMatch(l -> l.contains("/items/42") || l.contains("/items/nope"));
  }

  @Test
  void metrics_includePoolAndJvmMeters() {
    HttpResponse<String> response = server.get("/metrics");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v ->
        assertThat(v).startsWith("text/plain"));
    assertThat(response.body())
        .contains("bulwark_pool_active{pool=\"default\"}")
        .contains("bulwark_pool_active{pool=\"reports\"}")
        .contains("bulwark_pool_limit{pool=\"reports\"} 2")
        .contains("jvm_memory_used_bytes")
        .contains("jvm_threads_live_threads");
  }

  @Test
  void unmatchedPaths_shareOneRouteLabel() {
    server.get("/random/1");
    server.get("/random/2");

    await().atMost(Http.TIMEOUT).untilAsserted(() ->
        assertThat(scrape()).anyMatch(l -> l.startsWith("http_server_requests_seconds_count{")
            && l.contains("route=\"unmatched\"") && l.contains("status=\"404\"")));
    assertThat(scrape()).noneMatch(l -> l.contains("/random/"));
  }

  private static List<String> scrape() {
    HttpResponse<String> response = server.get("/metrics");
    assertThat(response.statusCode()).isEqualTo(200);
    return Arrays.stream(response.body().split("\n")).collect(Collectors.toList());
  }
}
