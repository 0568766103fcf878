package dev.bulwark.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
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
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A client that half-closes (sends its FIN) right after a complete request, as
 * {@code printf 'GET /blocking?ms=50 ...' | nc -q 5} does: legitimate HTTP/1.1, so the shop
 * answers it on its asynchronous routes too, then closes, and {@code /metrics} records the status
 * that was sent (never a 499 for a client that was still reading). Raw sockets over loopback.
 */
class ShopHalfCloseTest {

  private static Shop shop;

  @BeforeAll
  static void start() throws Exception {
    ShopConfig config = new ShopConfig("127.0.0.1", 0, 4, 16, Duration.ofSeconds(2), 2,
        Duration.ofSeconds(5), "jdbc:h2:mem:shophalfclose;DB_CLOSE_DELAY=-1", 4, null,
        ShopConfig.Role.ALL);
    shop = Shop.start(config).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    shop.drain().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(delimiter = '|', value = {
      "GET  | /blocking  | /blocking?ms=50 | ''                                 | 200 | {\"sleptMs\":50}",
      "POST | /users/bulk | /users/bulk    | '[{\"name\":\"half\"},{\"name\":\"closed\"}]' | 201 | {\"inserted\":2}"})
  void halfClosedClient_isAnswered_thenClosed_andTheStatusSentIsRecorded(String method,
      String route, String target, String body, int status, String expected) throws Exception {
    double sentBefore = requests(method, route, status);
    double goneBefore = requests(method, route, 499);
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    String request = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + (bytes.length == 0 ? "" : "Content-Type: application/json\r\nContent-Length: "
            + bytes.length + "\r\n") + "\r\n" + body;

    String answer;
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", shop.port()), 5000);
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
      socket.shutdownOutput();
      answer = readToEnd(socket.getInputStream());
    }

    assertThat(answer).startsWith("HTTP/1.1 " + status).endsWith("\r\n\r\n" + expected);
    Awaitility.await().atMost(Duration.ofSeconds(5))
        .until(() -> requests(method, route, status) == sentBefore + 1);
    assertThat(requests(method, route, 499)).isEqualTo(goneBefore);
  }

  /** Everything until the server closes; a read timeout fails the test (the close never came). */
  private static String readToEnd(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    in.transferTo(out);
    return out.toString(StandardCharsets.UTF_8);
  }

  private static double requests(String method, String route, int status) throws Exception {
    HttpResponse<String> metrics = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .build().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + shop.port() + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString());
    Matcher m = Pattern.compile("(?m)^http_server_requests_seconds_count\\{method=\"" + method
        + "\",route=\"" + Pattern.quote(route) + "\",status=\"" + status + "\"} (\\S+)$")
        .matcher(metrics.body());
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }
}
