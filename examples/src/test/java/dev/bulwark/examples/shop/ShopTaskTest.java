package dev.bulwark.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code /tasks} of WORKLOAD.md on the embedded defaults (H2, the in-process queue): submit,
 * status with progress and result, cancel, bad bodies, unknown ids, and a full queue. The queue
 * runs one task at a time and holds at most one more, so a long report fills it.
 */
class ShopTaskTest {

  private static final Pattern ID = Pattern.compile("\\{\"id\":\"([A-Za-z0-9_-]+)\"}");
  private static final HttpClient CLIENT = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5)).build();
  private static Shop shop;

  @BeforeAll
  static void start() throws Exception {
    ShopConfig config = new ShopConfig("127.0.0.1", 0, 4, 8, Duration.ofSeconds(1), 2,
        Duration.ofSeconds(5), "jdbc:h2:mem:shoptasks;DB_CLOSE_DELAY=-1", 4, null,
        ShopConfig.Role.ALL, 1, 1);
    shop = Shop.start(config).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    shop.drain().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  static HttpResponse<String> send(int port, String method, String path, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> send(String method, String path, String body) throws Exception {
    return send(shop.port(), method, path, body);
  }

  /** The id of a 202 answer, after checking its {@code Location}. */
  static String accepted(HttpResponse<String> r) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    Matcher m = ID.matcher(r.body());
    assertThat(m.matches()).as(r.body()).isTrue();
    assertThat(r.headers().firstValue("location")).hasValue("/tasks/" + m.group(1));
    return m.group(1);
  }

  /** The summary a report of {@code rows} must give, computed here from WORKLOAD.md's rows. */
  static String expectedSummary(long rows) {
    long total = 0;
    int min = Integer.MAX_VALUE;
    int max = Integer.MIN_VALUE;
    for (long i = 1; i <= rows; i++) {
      int price = (int) ((i * 7) % 10000);
      total += price;
      min = Math.min(min, price);
      max = Math.max(max, price);
    }
    return "{\"rows\":" + rows + ",\"totalPriceCents\":" + total + ",\"minPriceCents\":" + min
        + ",\"maxPriceCents\":" + max + ",\"meanPriceCents\":" + ((double) total / rows) + "}";
  }

  /** Waits until the task reaches the queue state {@code state}; returns its last view. */
  static String awaitState(int port, String id, String state) {
    String[] last = new String[1];
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      HttpResponse<String> r = send(port, "GET", "/tasks/" + id, null);
      last[0] = r.body();
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(r.body()).contains("\"queueState\":\"" + state + "\"");
    });
    return last[0];
  }

  @Test
  void report_runsInTheBackgroundAndKeepsItsResult() throws Exception {
    String id = accepted(send("POST", "/tasks", "{\"type\":\"report\",\"rows\":250000}"));

    String done = awaitState(shop.port(), id, "succeeded");

    assertThat(done).contains("\"id\":\"" + id + "\"", "\"type\":\"report\"", "\"progress\":1.0",
        "\"state\":\"succeeded\"",
        "\"result\":" + expectedSummary(250_000));
    assertThat(done).doesNotContain("\"error\":\"");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "{\"rows\":10}                      | type is required",
      "{\"type\":\"export\",\"rows\":10}  | type must be one of [report], but was 'export'",
      "{\"type\":\"report\"}              | rows is required",
      "{\"type\":\"report\",\"rows\":0}   | rows must be between 1 and 100000000, but was 0",
      "{\"type\":\"report\",\"rows\":\"x\"} | rows",
      "{\"type\":\"report\",\"rows\":1    | ",
  })
  void submit_badBodyIs400NamingTheField(String body, String message) throws Exception {
    HttpResponse<String> r = send("POST", "/tasks", body);

    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(r.body()).startsWith("{\"error\":\"");
    if (message != null) {
      assertThat(r.body()).contains(message);
    }
  }

  @ParameterizedTest
  @CsvSource({"GET, /tasks/no-such-task", "DELETE, /tasks/no-such-task", "GET, /tasks/%20",
      "DELETE, /tasks/" + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"})
  void unknownTask_is404(String method, String path) throws Exception {
    HttpResponse<String> r = send(method, path, null);

    assertThat(r.statusCode()).as(r.body()).isEqualTo(404);
    assertThat(r.body()).startsWith("{\"error\":\"");
  }

  @Test
  void fullQueue_is503WithRetryAfter_andCancelStopsQueuedAndRunningTasks() throws Exception {
    // A hundred million rows: long enough to hold the only slot while the queue fills behind it.
    String running = accepted(send("POST", "/tasks", "{\"type\":\"report\",\"rows\":100000000}"));
    awaitState(shop.port(), running, "running");
    List<String> queued = new ArrayList<>();
    HttpResponse<String> rejected = null;
    for (int i = 0; i < 5 && rejected == null; i++) {
      HttpResponse<String> r = send("POST", "/tasks", "{\"type\":\"report\",\"rows\":100000000}");
      if (r.statusCode() == 503) {
        rejected = r;
      } else {
        queued.add(accepted(r));
      }
    }

    assertThat(rejected).as("a submit beyond the bound").isNotNull();
    assertThat(rejected.headers().firstValue("retry-after")).isPresent();
    assertThat(rejected.body()).startsWith("{\"error\":\"");
    assertThat(queued).isNotEmpty();

    for (String id : queued) {
      assertThat(send("DELETE", "/tasks/" + id, null).statusCode()).isEqualTo(202);
    }
    assertThat(send("DELETE", "/tasks/" + running, null).statusCode()).isEqualTo(202);
    String stopped = awaitState(shop.port(), running, "cancelled");
    assertThat(stopped).doesNotContain("\"progress\":1.0").contains("\"state\":\"failed\"");
    for (String id : queued) {
      assertThat(awaitState(shop.port(), id, "cancelled")).contains("\"startedAt\":null");
    }
    // The slot is free again.
    String after = accepted(send("POST", "/tasks", "{\"type\":\"report\",\"rows\":1000}"));
    assertThat(awaitState(shop.port(), after, "succeeded")).contains(expectedSummary(1000));
  }
}
