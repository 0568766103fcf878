package dev.bulwark.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bulwark.web.NetTransport;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The shop's contract from WORKLOAD.md, over loopback against an in-process shop. */
class ShopTest {

  private static Shop shop;
  private static final HttpClient CLIENT = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void start() throws Exception {
    ShopConfig config = new ShopConfig("127.0.0.1", 0, 4, 4, Duration.ofSeconds(1), 2,
        Duration.ofSeconds(5), "jdbc:h2:mem:shoptest;DB_CLOSE_DELAY=-1", 4, null,
        ShopConfig.Role.ALL);
    shop = Shop.start(config).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    shop.drain().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return send(HttpRequest.newBuilder(uri(path)).GET().build());
  }

  private static HttpResponse<String> send(HttpRequest request) throws Exception {
    return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private static URI uri(String path) {
    return URI.create("http://127.0.0.1:" + shop.port() + path);
  }

  @Test
  void servesOnIoUring_whereTheKernelAllowsIt() throws Exception {
    String expected = NetTransport.ioUringUnavailable() == null ? "io_uring" : "nio";

    assertThat(NetTransport.nameOf(shop.vertx())).isEqualTo(expected);
    assertThat(get("/hello").body()).isEqualTo("Hello, World!");
  }

  @Test
  void hello_isPlainText() throws Exception {
    HttpResponse<String> r = get("/hello");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("Hello, World!");
    assertThat(r.headers().firstValue("content-type")).hasValue("text/plain; charset=utf-8");
  }

  @ParameterizedTest
  @CsvSource({"/blocking, 20", "/blocking?ms=0, 0", "/blocking?ms=5, 5", "/blocking?ms=1000, 1000",
      "/blocking/serial, 20", "/blocking/serial?ms=5, 5"})
  void blocking_sleepsAndReportsIt(String path, int ms) throws Exception {
    HttpResponse<String> r = get(path);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("{\"sleptMs\":" + ms + "}");
    assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "/blocking?ms=abc   | 400 | query parameter 'ms' must be an integer, but was 'abc'",
      "/blocking?ms=5000  | 400 | query parameter 'ms' must be between 0 and 1000, but was 5000",
      "/blocking?ms=-1    | 400 | query parameter 'ms' must be between 0 and 1000, but was -1",
      "/blocking/serial?ms=1001 | 400 | query parameter 'ms' must be between 0 and 1000, but was 1001",
      "/no/such/path      | 404 | no route for GET /no/such/path",
  })
  void badRequests_getJsonErrors(String path, int status, String message) throws Exception {
    HttpResponse<String> r = get(path);

    assertThat(r.statusCode()).isEqualTo(status);
    assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(r.body()).isEqualTo("{\"error\":\"" + message.replace("'", "'") + "\"}");
  }

  @Test
  void postHello_is405() throws Exception {
    HttpResponse<String> r = send(HttpRequest.newBuilder(uri("/hello"))
        .POST(HttpRequest.BodyPublishers.ofString("x")).build());

    assertThat(r.statusCode()).isEqualTo(405);
    assertThat(r.body()).startsWith("{\"error\":");
  }

  @Test
  void probes_answer() throws Exception {
    assertThat(get("/health").body()).isEqualTo("{\"status\":\"UP\"}");
    HttpResponse<String> ready = get("/ready");
    assertThat(ready.statusCode()).isEqualTo(200);
    get("/blocking?ms=1");

    String metrics = get("/metrics").body();

    assertThat(metrics).contains("http_server_requests_seconds_bucket{method=\"GET\",route=\"/blocking\",status=\"200\"");
    assertThat(metrics).contains("bulwark_pool_active{pool=\"default\"}");
    assertThat(metrics).contains("bulwark_pool_rejected_total{pool=\"default\",reason=\"queue_full\"}");
    assertThat(metrics).contains("jvm_memory_used_bytes");
  }

  @Test
  void overload_answers503WithRetryAfter() throws Exception {
    // 4 workers and a queue of 4: of 16 concurrent 300 ms requests, some must be shed.
    List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      responses.add(CLIENT.sendAsync(HttpRequest.newBuilder(uri("/blocking?ms=300")).build(),
          HttpResponse.BodyHandlers.ofString()));
    }
    int ok = 0;
    int shed = 0;
    for (CompletableFuture<HttpResponse<String>> f : responses) {
      HttpResponse<String> r = f.get(30, TimeUnit.SECONDS);
      if (r.statusCode() == 200) {
        ok++;
      } else {
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("retry-after")).isPresent();
        assertThat(Integer.parseInt(r.headers().firstValue("retry-after").get())).isPositive();
        assertThat(r.body()).startsWith("{\"error\":\"overloaded");
        shed++;
      }
    }
    assertThat(ok).isGreaterThanOrEqualTo(4);
    assertThat(shed).isGreaterThanOrEqualTo(1);
    assertThat(ok + shed).isEqualTo(16);
  }
}
