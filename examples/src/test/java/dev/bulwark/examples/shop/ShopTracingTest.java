package dev.bulwark.examples.shop;

import static dev.bulwark.core.testing.InMemoryTracing.childOf;
import static dev.bulwark.core.testing.InMemoryTracing.named;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bulwark.core.testing.InMemoryTracing;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The shop traced into an in-memory exporter: the span tree of one {@code GET /users} under the
 * client's {@code traceparent}, one task from submit to run, and the trace id in the JSON log.
 */
class ShopTracingTest {

  /** The client's trace: its server span must continue it. */
  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String CLIENT_SPAN = "00f067aa0ba902b7";
  private static final AttributeKey<String> ROUTE = AttributeKey.stringKey("http.route");
  private static final AttributeKey<String> QUERY = AttributeKey.stringKey("db.query.text");
  private static final HttpClient CLIENT = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  static Path dir;
  private static Path logFile;
  private static InMemoryTracing tracing;
  private static Shop shop;

  @BeforeAll
  static void start() throws Exception {
    tracing = new InMemoryTracing();
    logFile = dir.resolve("shop.log");
    ShopLogging.apply(new ShopLogging.Settings(logFile, ShopLogging.Format.JSON, Map.of(),
        ShopLogging.DEFAULT_MAX_FILE_SIZE, ShopLogging.DEFAULT_MAX_HISTORY,
        ShopLogging.DEFAULT_TOTAL_SIZE_CAP, true));
    TraceIdsFilter.install((ch.qos.logback.classic.LoggerContext) LoggerFactory.getILoggerFactory());
    ShopConfig config = new ShopConfig("127.0.0.1", 0, 4, 8, Duration.ofSeconds(1), 1,
        Duration.ofSeconds(5), "jdbc:h2:mem:shoptracing;DB_CLOSE_DELAY=-1", 4, null,
        ShopConfig.Role.ALL, 1, 4).withAccessLog(true);
    shop = Shop.start(config, true).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      shop.drain().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } finally {
      tracing.close();
      ShopLogging.reset();
    }
  }

  @BeforeEach
  void forget() {
    tracing.reset();
  }

  private static HttpResponse<String> send(String method, String path, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + shop.port() + path))
        .timeout(Duration.ofSeconds(10))
        .header("traceparent", "00-" + TRACE_ID + "-" + CLIENT_SPAN + "-01")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static SpanData server(String name) {
    return tracing.await(name, s -> s.getKind() == SpanKind.SERVER && s.getName().equals(name));
  }

  @Test
  void users_isOneTraceUnderTheClientsSpan_withPoolAndStatementSpans() throws Exception {
    assertThat(send("GET", "/users?limit=3", null).statusCode()).isEqualTo(200);

    SpanData server = server("GET /users");
    assertThat(server.getTraceId()).isEqualTo(TRACE_ID);
    assertThat(server.getParentSpanId()).as("the client's span is the parent").isEqualTo(CLIENT_SPAN);
    assertThat(server.getAttributes().get(ROUTE)).isEqualTo("/users");

    SpanData page = tracing.await("users-page", named("users-page"));
    SpanData posts = tracing.await("posts-by-users", named("posts-by-users"));
    for (SpanData statement : List.of(page, posts)) {
      assertThat(statement.getKind()).isEqualTo(SpanKind.CLIENT);
      SpanData run = tracing.find(s -> s.getSpanId().equals(statement.getParentSpanId())).orElseThrow();
      assertThat(run.getName()).isEqualTo("run shop-jdbc");
      assertThat(run).matches(childOf(server), "the pool's run span is a child of the server span");
    }
    assertThat(page.getAttributes().get(QUERY)).isEqualTo("SELECT id, name FROM users ORDER BY id LIMIT ?");
    assertThat(tracing.spans()).filteredOn(named("wait shop-jdbc"))
        .hasSize(2).allSatisfy(w -> assertThat(w).matches(childOf(server)));
    assertThat(tracing.spans()).filteredOn(named("run shop-jdbc")).hasSize(2);
    assertThat(tracing.spans()).allSatisfy(s -> assertThat(s.getTraceId()).isEqualTo(TRACE_ID));
  }

  @Test
  void task_submitSpanInTheRequest_runSpanLinkedToIt() throws Exception {
    HttpResponse<String> accepted = send("POST", "/tasks", "{\"type\":\"report\",\"rows\":5}");
    assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);

    SpanData server = server("POST /tasks");
    SpanData submit = tracing.await("submit", named("submit report"));
    SpanData process = tracing.await("process", named("process report"));
    assertThat(submit).matches(childOf(server), "submitted in the request");
    assertThat(process.getTraceId()).as("a trace of its own").isNotEqualTo(TRACE_ID);
    assertThat(process.getLinks()).extracting(LinkData::getSpanContext)
        .anySatisfy(c -> assertThat(c.getSpanId()).isEqualTo(submit.getSpanId()));
  }

  @Test
  void jsonLog_accessLineCarriesTheTraceAndSpanIds() throws Exception {
    assertThat(send("GET", "/hello", null).statusCode()).isEqualTo(200);
    SpanData server = server("GET /hello");

    JsonNode line = await().atMost(Duration.ofSeconds(10)).until(() -> accessLine("/hello"),
        Optional::isPresent).orElseThrow();
    assertThat(line.path("mdc").path("trace_id").asText()).isEqualTo(TRACE_ID);
    assertThat(line.path("mdc").path("span_id").asText()).isEqualTo(server.getSpanId());
  }

  @Test
  void requested_byAnExporterOrAnEndpoint_neverWhenDisabledOrNone() {
    assertThat(ShopTracing.requested(Map.of())).isFalse();
    assertThat(ShopTracing.requested(Map.of("OTEL_TRACES_EXPORTER", "otlp"))).isTrue();
    assertThat(ShopTracing.requested(Map.of("OTEL_TRACES_EXPORTER", "none",
        "OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318"))).isFalse();
    assertThat(ShopTracing.requested(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318"))).isTrue();
    assertThat(ShopTracing.requested(Map.of("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://127.0.0.1:4318"))).isTrue();
    assertThat(ShopTracing.requested(Map.of("OTEL_SDK_DISABLED", "true",
        "OTEL_TRACES_EXPORTER", "otlp"))).isFalse();
  }

  private static Optional<JsonNode> accessLine(String path) throws Exception {
    List<JsonNode> lines = new ArrayList<>();
    for (String text : Files.readAllLines(logFile, StandardCharsets.UTF_8)) {
      lines.add(JSON.readTree(text));
    }
    return lines.stream().filter(n -> n.path("loggerName").asText().equals(ShopLogging.ACCESS_LOGGER))
        .filter(n -> n.path("formattedMessage").asText().startsWith("GET " + path + " ")).findFirst();
  }
}
