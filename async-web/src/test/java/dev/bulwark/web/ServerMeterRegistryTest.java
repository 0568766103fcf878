package dev.bulwark.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.bulwark.cache.Cached;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A server on the application's {@link MeterRegistry}: {@code /metrics} serves Prometheus text
 * when the registry is or holds a {@link PrometheusMeterRegistry} and is not served otherwise, no
 * JVM meters are bound there, and a drained server leaves none of its meters behind.
 */
@ExtendWith(VertxExtension.class)
class ServerMeterRegistryTest {

  public static class Items {
    @Get("/items/{id}")
    public String item(@PathParam("id") long id) {
      return "item " + id;
    }

    @Get("/cached/{id}")
    @Cached(ttl = "60s")
    public String cached(@PathParam("id") long id) {
      return "cached " + id;
    }
  }

  public static class OwnMetrics {
    @Get("/metrics")
    public String metrics() {
      return "the application's own";
    }
  }

  static Stream<Arguments> registriesHoldingPrometheus() {
    Supplier<PrometheusMeterRegistry> prometheus = () -> new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    return Stream.of(
        Arguments.of("prometheus", (Supplier<MeterRegistry>) prometheus::get),
        Arguments.of("composite", (Supplier<MeterRegistry>) () ->
            new CompositeMeterRegistry().add(new SimpleMeterRegistry()).add(prometheus.get())),
        Arguments.of("composite in composite", (Supplier<MeterRegistry>) () ->
            new CompositeMeterRegistry().add(new CompositeMeterRegistry().add(prometheus.get()))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("registriesHoldingPrometheus")
  void metrics_servesPrometheusText_whenTheRegistryIsOrHoldsAPrometheusRegistry(String kind,
      Supplier<MeterRegistry> registry, Vertx vertx) {
    try (TestServer server = TestServer.start(vertx, registry.get(),
        o -> o.workerPool("reports", b -> b.maxConcurrency(2)), new Items())) {
      assertThat(server.get("/items/7").statusCode()).isEqualTo(200);

      await().atMost(Http.TIMEOUT).untilAsserted(() -> {
        HttpResponse<String> metrics = server.get("/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.headers().firstValue("Content-Type")).hasValueSatisfying(v ->
            assertThat(v).startsWith("text/plain"));
        assertThat(metrics.body())
            .contains("bulwark_pool_limit{pool=\"reports\"} 2")
            .contains("http_server_requests_seconds_count{method=\"GET\",route=\"/items/{id}\",status=\"200\"} 1")
            // The application's registry: the server binds no JVM meters there.
            .doesNotContain("jvm_memory_used_bytes");
      });
    }
  }

  @Test
  void metrics_isNotServed_withoutAPrometheusRegistry_andThePathIsFreeForARoute(Vertx vertx) {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (TestServer server = TestServer.start(vertx, registry, o -> o, new Items())) {
      HttpResponse<String> metrics = server.get("/metrics");

      assertThat(metrics.statusCode()).isEqualTo(404);
      assertThat(metrics.headers().firstValue("Content-Type")).hasValue("application/json");
      assertThat(Http.json(metrics.body()).path("error").asText()).isNotEmpty();
      assertThat(server.get("/items/1").statusCode()).isEqualTo(200);
      await().atMost(Http.TIMEOUT).until(() -> registry.find("http.server.requests")
          .tag("route", "/items/{id}").timer() != null);
    }
    try (TestServer server = TestServer.start(vertx, new SimpleMeterRegistry(), o -> o,
        new OwnMetrics())) {
      HttpResponse<String> metrics = server.get("/metrics");

      assertThat(metrics.statusCode()).isEqualTo(200);
      assertThat(metrics.body()).isEqualTo("the application's own");
    }
  }

  @Test
  void create_refusesANullRegistry(Vertx vertx) {
    assertThatThrownBy(() -> BulwarkServer.create(vertx, ServerOptions.builder().build(), null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("registry");
  }

  @Test
  void drain_removesEveryMeterTheServerRegistered_andAServerCreatedAgainRegistersFreshOnes(
      Vertx vertx) {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    registry.counter("application.meter");
    for (int round = 1; round <= 2; round++) {
      int limit = round + 1;
      try (TestServer server = TestServer.start(vertx, registry,
          o -> o.workerPool("reports", b -> b.maxConcurrency(limit)), new Items())) {
        assertThat(server.get("/items/" + round).statusCode()).isEqualTo(200);
        assertThat(server.get("/cached/" + round).statusCode()).isEqualTo(200);
        assertThat(server.get("/nowhere").statusCode()).isEqualTo(404);
        await().atMost(Http.TIMEOUT).until(() -> registry.find("http.server.requests")
            .tag("route", "unmatched").timer() != null);
        assertThat(registry.get("bulwark.pool.limit").tag("pool", "reports").gauge().value())
            .isEqualTo(limit);
        assertThat(registry.find("bulwark.cache.gets").tag("result", "miss").functionCounter())
            .isNotNull();
        assertThat(registry.get("http.server.requests").tag("route", "/items/{id}").timer().count())
            .isEqualTo(1);
      }
      List<String> left = registry.getMeters().stream().map(Meter::getId)
          .map(id -> id.getName() + id.getTags()).toList();
      assertThat(left).as("meters left after the drain, round " + round)
          .containsExactly("application.meter[]");
    }
  }
}
