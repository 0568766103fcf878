package dev.bulwark.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.event.KeyValuePair;

/** {@code --access-log}: one line per request, read from what Vert.x's HTTP server reports. */
class ShopAccessLogTest {

  private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final Logger ACCESS = (Logger) LoggerFactory.getLogger(ShopLogging.ACCESS_LOGGER);
  private static final ListAppender<ILoggingEvent> LINES = new ListAppender<>();
  private static Shop shop;

  @BeforeAll
  static void start() throws Exception {
    LINES.start();
    ACCESS.addAppender(LINES);
    ACCESS.setLevel(Level.INFO);
    ShopConfig config = new ShopConfig("127.0.0.1", 0, 4, 8, Duration.ofSeconds(1), 2,
        Duration.ofSeconds(5), "jdbc:h2:mem:shopaccess;DB_CLOSE_DELAY=-1", 4, null,
        ShopConfig.Role.ALL).withAccessLog(true);
    shop = Shop.start(config).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    shop.drain().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    ACCESS.detachAppender(LINES);
    ACCESS.setLevel(null);
  }

  @BeforeEach
  void clear() {
    synchronized (LINES) {
      LINES.list.clear();
    }
  }

  private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return CLIENT.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + shop.port() + path));
  }

  /** Waits for the access line of {@code method path} and returns its key-value pairs. */
  private static Map<String, String> lineFor(String method, String path) {
    return await().atMost(Duration.ofSeconds(10)).until(() -> {
      synchronized (LINES) {
        for (ILoggingEvent e : List.copyOf(LINES.list)) {
          Map<String, String> kv = new LinkedHashMap<>();
          for (KeyValuePair p : e.getKeyValuePairs()) {
            kv.put(p.key, String.valueOf(p.value));
          }
          if (method.equals(kv.get("method")) && path.equals(kv.get("path"))) {
            kv.put("message", e.getFormattedMessage());
            kv.put("level", e.getLevel().toString());
            return kv;
          }
        }
        return null;
      }
    }, kv -> kv != null);
  }

  @Test
  void get_isLoggedWithStatusDurationAndBodyBytes() throws Exception {
    HttpResponse<String> r = send(request("/hello"));

    Map<String, String> line = lineFor("GET", "/hello");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(line).containsEntry("status", "200").containsEntry("bytes", "13").containsEntry("level", "INFO");
    assertThat(Double.parseDouble(line.get("durationMs"))).isNotNegative();
    assertThat(line.get("message")).startsWith("GET /hello 200 ").endsWith(" ms 13 B route=/hello");
  }

  @Test
  void clientError_isLoggedWithItsStatusAndWithoutTheQueryString() throws Exception {
    HttpResponse<String> r = send(request("/products/0?token=secret"));

    Map<String, String> line = lineFor("GET", "/products/0");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(line).containsEntry("status", "400")
        .containsEntry("bytes", Integer.toString(r.body().getBytes(StandardCharsets.UTF_8).length));
    assertThat(line.get("message")).doesNotContain("secret").endsWith("route=/products/{id}");
  }

  @Test
  void requestIdFromAProxy_isLogged_andAnImplausibleOneIsNot() throws Exception {
    send(request("/products/3").header("X-Request-Id", "nginx-7f3a.42"));
    send(request("/products/4").header("X-Request-Id", "x\"}, \"status\": \"forged"));

    Map<String, String> proxied = lineFor("GET", "/products/3");
    assertThat(proxied).containsEntry("request_id", "nginx-7f3a.42");
    assertThat(proxied.get("message")).endsWith(" request_id=nginx-7f3a.42");
    Map<String, String> hostile = lineFor("GET", "/products/4");
    assertThat(hostile).doesNotContainKey("request_id").containsEntry("status", "200");
    assertThat(hostile.get("message")).doesNotContain("forged");
  }

  @Test
  void routedRequest_carriesTheRouteTheRouterReported() throws Exception {
    HttpResponse<String> r = send(request("/users/bulk").header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("[{\"name\":\"Logged\"}]")));

    Map<String, String> line = lineFor("POST", "/users/bulk");
    assertThat(r.statusCode()).isEqualTo(201);
    assertThat(line).containsEntry("status", "201").containsEntry("bytes", "14");
    assertThat(line.get("route")).contains("/users/bulk");
  }

  @Test
  void clientLeavingMidStream_isLoggedAsReset() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", shop.port())) {
      OutputStream out = socket.getOutputStream();
      out.write("GET /events?count=100 HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] head = new byte[12];
      assertThat(in.readNBytes(head, 0, head.length)).isEqualTo(12);
      assertThat(new String(head, StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200");
    }

    assertThat(lineFor("GET", "/events")).containsEntry("status", "reset").containsEntry("bytes", "-1");
  }
}
