package dev.bulwark.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The shop's streamed endpoints (WORKLOAD.md: {@code /export} and {@code /events}), run against
 * each database by a subclass that starts the shop on it.
 */
abstract class ShopStreamingContract {

  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  /** The shop's pools: {@code shop}, and {@code shop-export} where exports have their own. */
  static final Pattern ACTIVE_CONNECTIONS =
      Pattern.compile("(?m)^hikaricp_connections_active\\{[^}]*pool=\"shop(-export)?\"[^}]*\\}\\s+(\\S+)$");
  static Shop shop;

  static void startShop(String db) throws Exception {
    ShopConfig config = new ShopConfig("127.0.0.1", 0, 8, 16, Duration.ofSeconds(2), 2,
        Duration.ofSeconds(5), db, 4, null, ShopConfig.Role.ALL);
    shop = Shop.start(config).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stopShop() throws Exception {
    if (shop != null) {
      shop.drain().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      shop = null;
    }
  }

  static HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + shop.port() + path))
        .timeout(Duration.ofSeconds(30));
  }

  static HttpResponse<String> get(String path) throws Exception {
    return CLIENT.send(request(path).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** One exported row as the contract spells it. */
  static String row(long i) {
    return "{\"id\":" + i + ",\"name\":\"Product " + i + "\",\"priceCents\":" + (i * 7) % 10000 + "}";
  }

  /**
   * Connections the shop's pools have checked out, from its own /metrics (HikariCP's gauge, which
   * may lag by up to a second).
   */
  static double activeConnections() throws Exception {
    Matcher m = ACTIVE_CONNECTIONS.matcher(get("/metrics").body());
    double active = 0;
    boolean found = false;
    while (m.find()) {
      found = true;
      active += Double.parseDouble(m.group(2));
    }
    assertThat(found).as("hikaricp_connections_active{pool=\"shop\"} in /metrics").isTrue();
    return active;
  }

  /** Checks every line of an NDJSON export of {@code rows} rows. */
  static void assertExport(InputStream body, long rows) throws Exception {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
      long i = 0;
      String last = null;
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        i++;
        if (!line.equals(row(i))) {
          throw new AssertionError("line " + i + " is '" + line + "', expected '" + row(i) + "'");
        }
        last = line;
      }
      assertThat(i).isEqualTo(rows);
      assertThat(last).isEqualTo(row(rows));
    }
  }

  @Test
  void export_ndjson_isExactlyTheContractsRows() throws Exception {
    HttpResponse<String> r = get("/export?rows=5");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue("application/x-ndjson");
    assertThat(r.headers().firstValue("transfer-encoding")).hasValue("chunked");
    assertThat(r.body()).isEqualTo(
        "{\"id\":1,\"name\":\"Product 1\",\"priceCents\":7}\n"
            + "{\"id\":2,\"name\":\"Product 2\",\"priceCents\":14}\n"
            + "{\"id\":3,\"name\":\"Product 3\",\"priceCents\":21}\n"
            + "{\"id\":4,\"name\":\"Product 4\",\"priceCents\":28}\n"
            + "{\"id\":5,\"name\":\"Product 5\",\"priceCents\":35}\n");
  }

  @Test
  void export_csv_hasTheHeaderThenTheRows() throws Exception {
    HttpResponse<String> r = get("/export?rows=3&format=csv");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue("text/csv; charset=utf-8");
    assertThat(r.body()).isEqualTo("id,name,priceCents\n1,Product 1,7\n2,Product 2,14\n3,Product 3,21\n");
  }

  @Test
  void export_csv_manyRows_areExactlyTheContractsLines() throws Exception {
    HttpResponse<InputStream> r = CLIENT.send(request("/export?rows=50000&format=csv").build(),
        HttpResponse.BodyHandlers.ofInputStream());

    assertThat(r.statusCode()).isEqualTo(200);
    try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
      assertThat(in.readLine()).isEqualTo("id,name,priceCents");
      long i = 0;
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        i++;
        String expected = i + ",Product " + i + "," + (i * 7) % 10000;
        if (!line.equals(expected)) {
          throw new AssertionError("row " + i + " is '" + line + "', expected '" + expected + "'");
        }
      }
      assertThat(i).isEqualTo(50_000);
    }
  }

  /** HEAD gets GET's head and no body, and the query never runs: no connection is taken. */
  @Test
  void export_head_answersTheHeadOnly_andTakesNoConnection() throws Exception {
    HttpResponse<String> r = CLIENT.send(request("/export?rows=100000000&format=csv")
        .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue("text/csv; charset=utf-8");
    assertThat(r.body()).isEmpty();
    Awaitility.await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(5))
        .until(() -> activeConnections() == 0.0);
  }

  @Test
  void export_defaultsToAThousandNdjsonRows() throws Exception {
    HttpResponse<InputStream> r = CLIENT.send(request("/export").build(),
        HttpResponse.BodyHandlers.ofInputStream());

    assertThat(r.statusCode()).isEqualTo(200);
    assertExport(r.body(), 1000);
  }

  @Test
  void export_aHundredThousandRows_arriveCompleteAndInOrder() throws Exception {
    HttpResponse<InputStream> r = CLIENT.send(request("/export?rows=100000").build(),
        HttpResponse.BodyHandlers.ofInputStream());

    assertThat(r.statusCode()).isEqualTo(200);
    assertExport(r.body(), 100_000);
  }

  @Test
  void export_gzip_decompressesToTheSameRows() throws Exception {
    HttpResponse<InputStream> r = CLIENT.send(request("/export?rows=20000")
        .header("Accept-Encoding", "gzip").build(), HttpResponse.BodyHandlers.ofInputStream());

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-encoding")).hasValue("gzip");
    assertExport(new GZIPInputStream(r.body()), 20_000);
  }

  @ParameterizedTest
  @ValueSource(strings = {"rows=0", "rows=-1", "rows=100000001", "rows=abc", "rows=", "format=xml",
      "rows=5&format=json"})
  void export_badParameters_are400JsonErrors(String query) throws Exception {
    HttpResponse<String> r = get("/export?" + query);

    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(JSON.readTree(r.body()).get("error").asText()).isNotBlank();
  }

  /**
   * The largest export starts streaming at once (the database computes rows as they are read,
   * not all of them first), and a client leaving stops the query and returns its connection.
   */
  @Test
  void export_largest_streamsAtOnce_andStopsWhenTheClientLeaves() throws Exception {
    try (Socket socket = new Socket()) {
      socket.setSoTimeout(20_000);
      socket.connect(new InetSocketAddress("127.0.0.1", shop.port()), 2000);
      socket.getOutputStream().write(("GET /export?rows=100000000 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
          .getBytes(StandardCharsets.ISO_8859_1));
      InputStream in = socket.getInputStream();
      byte[] buffer = new byte[8192];
      long read = 0;
      while (read < 256 * 1024) {
        int n = in.read(buffer);
        assertThat(n).isPositive();
        read += n;
      }
      // HikariCP refreshes the gauge's counts at most once a second.
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> activeConnections() == 1.0);
    }

    // The server sees the client leave, the cursor's query is cancelled, the connection goes back
    // and the gauge is refreshed: each quick, together more than a loaded machine's few seconds.
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> activeConnections() == 0.0);
  }

  @Test
  void events_sendsExactlyCountEventsThenEnds() throws Exception {
    HttpResponse<String> r = get("/events?count=3");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue("text/event-stream; charset=utf-8");
    assertThat(r.headers().firstValue("cache-control")).hasValue("no-cache");
    assertThat(r.body()).isEqualTo(": stream open\n\n"
        + "id: 1\ndata: {\"seq\":1}\n\n"
        + "id: 2\ndata: {\"seq\":2}\n\n"
        + "id: 3\ndata: {\"seq\":3}\n\n");
  }

  @Test
  void events_lastEventId_resumesAfterIt() throws Exception {
    HttpResponse<String> r = CLIENT.send(request("/events?count=3").header("Last-Event-ID", "2").build(),
        HttpResponse.BodyHandlers.ofString());

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo(": stream open\n\nid: 3\ndata: {\"seq\":3}\n\n");
  }

  @ParameterizedTest
  @ValueSource(strings = {"3", "4", "9223372036854775807"})
  void events_lastEventIdAtOrPastTheEnd_endsWithoutEvents(String lastEventId) throws Exception {
    HttpResponse<String> r = CLIENT.send(request("/events?count=3").header("Last-Event-ID", lastEventId)
        .build(), HttpResponse.BodyHandlers.ofString());

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo(": stream open\n\n");
  }

  @ParameterizedTest
  @ValueSource(strings = {"/events?count=0", "/events?count=10001", "/events?count=x"})
  void events_badCount_is400(String path) throws Exception {
    HttpResponse<String> r = get(path);

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(r.body()).get("error").asText()).isNotBlank();
  }

  @Test
  void events_badLastEventId_is400() throws Exception {
    HttpResponse<String> r = CLIENT.send(request("/events?count=3").header("Last-Event-ID", "abc")
        .build(), HttpResponse.BodyHandlers.ofString());

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(r.body()).get("error").asText()).isNotBlank();
  }
}
