package dev.bulwark.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bulwark.cache.CacheManager;
import dev.bulwark.cache.CacheOptions;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code examples/grafana/bulwark.json} against the shop: every metric name that its PromQL
 * queries exists in the shop's {@code /metrics} once each endpoint has been called, and every
 * query follows the dashboard's {@code application}/{@code instance} variables.
 */
class GrafanaDashboardTest {

  private static final Path DASHBOARD = Path.of("grafana/bulwark.json");
  /** Registered only when the cache manager has a Redis tier ({@code --redis}). */
  private static final Set<String> REDIS_ONLY = Set.of("bulwark_cache_breaker_state");
  private static final Pattern METRIC =
      Pattern.compile("\\b(?:bulwark|http|hikaricp|jvm|process|system)_[A-Za-z0-9_]+");
  private static final Pattern SELECTOR = Pattern.compile("\\{[^}]*}");
  private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final ObjectMapper JSON = new ObjectMapper();

  private static Shop shop;

  @BeforeAll
  static void start() throws Exception {
    ShopConfig config = new ShopConfig("127.0.0.1", 0, 4, 8, Duration.ofSeconds(2), 2,
        Duration.ofSeconds(5), "jdbc:h2:mem:shopgrafana;DB_CLOSE_DELAY=-1", 4, null, ShopConfig.Role.ALL);
    shop = Shop.start(config).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    shop.drain().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static HttpResponse<String> send(String method, String path, String json) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + shop.port() + path))
        .timeout(Duration.ofSeconds(20));
    if (json != null) {
      b.header("Content-Type", "application/json");
    }
    b.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
    return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The metric names the dashboard's queries read, label matchers left out. */
  static Set<String> queriedMetrics(JsonNode dashboard) {
    Set<String> names = new TreeSet<>();
    for (String expr : expressions(dashboard)) {
      Matcher m = METRIC.matcher(SELECTOR.matcher(expr).replaceAll(""));
      while (m.find()) {
        names.add(m.group());
      }
    }
    return names;
  }

  static List<String> expressions(JsonNode dashboard) {
    List<String> exprs = new ArrayList<>();
    for (JsonNode panel : dashboard.path("panels")) {
      for (JsonNode target : panel.path("targets")) {
        exprs.add(target.path("expr").asText());
      }
    }
    return exprs;
  }

  /** The sample names of a Prometheus text exposition ({@code x_bucket}, {@code x_count}, ...). */
  static Set<String> exported(String exposition) {
    Set<String> names = new TreeSet<>();
    exposition.lines().filter(l -> !l.isEmpty() && !l.startsWith("#"))
        .forEach(l -> names.add(l.split("[{ ]", 2)[0]));
    return names;
  }

  @Test
  void everyQueriedMetric_isExportedByTheShopOnceEachEndpointWasCalled() throws Exception {
    assertThat(send("GET", "/hello", null).statusCode()).isEqualTo(200);
    assertThat(send("GET", "/expensive", null).statusCode()).isEqualTo(200);
    assertThat(send("GET", "/blocking?ms=1", null).statusCode()).isEqualTo(200);
    assertThat(send("GET", "/products/5", null).statusCode()).isEqualTo(200);
    assertThat(send("GET", "/products/5/cached", null).statusCode()).isEqualTo(200);
    assertThat(send("GET", "/products/5/cached", null).statusCode()).isEqualTo(200);
    assertThat(send("GET", "/users?limit=2", null).statusCode()).isEqualTo(200);
    assertThat(send("POST", "/users/bulk", "[{\"name\":\"Grafana\"}]").statusCode()).isEqualTo(201);
    assertThat(send("GET", "/export?rows=3&format=csv", null).statusCode()).isEqualTo(200);
    assertThat(send("GET", "/events?count=1", null).statusCode()).isEqualTo(200);
    HttpResponse<String> submitted = send("POST", "/tasks", "{\"type\":\"report\",\"rows\":3}");
    assertThat(submitted.statusCode()).isEqualTo(202);
    String task = submitted.headers().firstValue("Location").orElseThrow();
    await().atMost(Duration.ofSeconds(30)).until(() -> send("GET", task, null).body().contains("\"succeeded\""));
    assertThat(send("DELETE", task, null).statusCode()).isIn(202, 404, 409);
    assertThat(send("GET", "/health", null).statusCode()).isEqualTo(200);
    assertThat(send("GET", "/ready", null).statusCode()).isEqualTo(200);
    // jvm_gc_pause_seconds appears with the first collection; ask for one rather than hope.
    System.gc();

    Set<String> queried = queriedMetrics(JSON.readTree(DASHBOARD.toFile()));
    assertThat(queried).hasSizeGreaterThan(40);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      Set<String> exported = exported(send("GET", "/metrics", null).body());
      assertThat(exported).containsAll(queried.stream().filter(n -> !REDIS_ONLY.contains(n)).toList());
    });
  }

  @Test
  void redisOnlyMetrics_areExportedByACacheManagerWithRedis() throws Exception {
    Servers.assumeRedis();
    Vertx vertx = Vertx.vertx();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try {
      CacheManager caches = CacheManager.create(vertx, CacheOptions.builder()
          .redisUrl(Servers.REDIS_URL).meterRegistry(registry).build());

      assertThat(exported(registry.scrape())).containsAll(REDIS_ONLY);
      assertThat(queriedMetrics(JSON.readTree(DASHBOARD.toFile()))).containsAll(REDIS_ONLY);
      caches.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void dashboard_coversEveryAreaAndFollowsItsVariables() throws Exception {
    JsonNode dashboard = JSON.readTree(DASHBOARD.toFile());

    assertThat(queriedMetrics(dashboard)).contains(
        "http_server_requests_seconds_count", "http_server_requests_seconds_bucket",
        "bulwark_pool_active", "bulwark_pool_queued", "bulwark_pool_rejected_total",
        "bulwark_cache_gets_total", "bulwark_cache_breaker_state",
        "hikaricp_connections_active", "hikaricp_connections_pending", "bulwark_db_query_seconds_count",
        "bulwark_tasks_depth", "bulwark_tasks_oldest_age_seconds", "bulwark_tasks_running",
        "bulwark_tasks_succeeded_total", "bulwark_tasks_failed_total", "bulwark_tasks_dead_total",
        "bulwark_tasks_queue_wait_seconds_bucket", "bulwark_tasks_run_seconds_bucket",
        "jvm_memory_used_bytes", "jvm_gc_pause_seconds_sum", "jvm_threads_live_threads", "process_cpu_usage");
    List<String> variables = new ArrayList<>();
    dashboard.path("templating").path("list").forEach(v -> variables.add(v.path("name").asText()));
    assertThat(variables).contains("datasource", "application", "instance");
    assertThat(expressions(dashboard)).isNotEmpty().allSatisfy(expr -> {
      Matcher selectors = SELECTOR.matcher(expr);
      int count = 0;
      while (selectors.find()) {
        assertThat(selectors.group()).contains("application=~\"$application\"", "instance=~\"$instance\"");
        count++;
      }
      assertThat(count).as(expr).isPositive();
    });
    for (JsonNode panel : dashboard.path("panels")) {
      if (!panel.path("type").asText().equals("row")) {
        assertThat(panel.path("datasource").path("uid").asText()).as(panel.path("title").asText())
            .isEqualTo("${datasource}");
      }
    }
  }

  @Test
  void parsers_readMetricNamesNotLabelsOrFunctions() {
    assertThat(exported("# HELP x\nhttp_server_requests_seconds_bucket{le=\"0.1\"} 3\nprocess_cpu_usage 0.5\n"))
        .containsExactly("http_server_requests_seconds_bucket", "process_cpu_usage");
    com.fasterxml.jackson.databind.node.ObjectNode target = JSON.createObjectNode().put("expr",
        "histogram_quantile(0.99, sum by (le) (rate(http_server_requests_seconds_bucket{system_x=\"a\"}[5m])))");
    com.fasterxml.jackson.databind.node.ObjectNode panel = JSON.createObjectNode();
    panel.putArray("targets").add(target);
    com.fasterxml.jackson.databind.node.ObjectNode dashboard = JSON.createObjectNode();
    dashboard.putArray("panels").add(panel);
    assertThat(queriedMetrics(dashboard)).containsExactly("http_server_requests_seconds_bucket");
  }
}
