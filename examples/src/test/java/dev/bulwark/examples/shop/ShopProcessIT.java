package dev.bulwark.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.File;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The shaded jar as a user runs it: {@code java -jar bulwark-examples.jar}, its one stdout line,
 * its exit statuses, and SIGTERM draining in-flight work.
 */
class ShopProcessIT {

  private static final Pattern LISTENING = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");
  // HTTP/1.1: the drain closes the port with HttpServer.shutdown, which sends an HTTP/2 client a
  // GOAWAY, and JDK 17's client fails every open stream on a GOAWAY, even those the server will
  // still answer (fixed in later JDKs). The drain's HTTP/2 behaviour is checked in async-web.
  private static final HttpClient CLIENT = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  private final List<Process> processes = new ArrayList<>();

  @AfterEach
  void killLeftovers() {
    for (Process p : processes) {
      p.destroyForcibly();
    }
  }

  private Process launch(String... args) throws Exception {
    String jar = System.getProperty("bulwark.examples.jar", "target/bulwark-examples.jar");
    assertThat(new File(jar)).as("the shaded jar, built by mvn package").exists();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of(java, "-jar", jar));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command)
        .redirectError(Files.createTempFile("shop", ".err").toFile())
        .start();
    processes.add(p);
    return p;
  }

  private static int awaitListening(Process p) throws Exception {
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
      try {
        return out.readLine();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    String first = line.get(60, TimeUnit.SECONDS);
    assertThat(first).as("first stdout line").isNotNull();
    Matcher m = LISTENING.matcher(first);
    assertThat(m.matches()).as("stdout line '%s'", first).isTrue();
    return Integer.parseInt(m.group(1));
  }

  private static HttpResponse<String> get(int port, String path) throws Exception {
    return CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void sigterm_drainsInFlightRequest_readyTurns503_exits0() throws Exception {
    // A drain delay keeps the port open, /ready answering 503, for 3 s after the signal. Without
    // one the port closes and idle connections are cut as the signal is handled, and a /ready
    // answered in between was a matter of timing (a loaded machine met the closed port).
    Process shop = launch("--port", "0", "--drain-delay", "3s");
    int port = awaitListening(shop);
    assertThat(get(port, "/ready").statusCode()).isEqualTo(200);

    // The request in flight is an export that cannot end before the test reads it out: far more
    // than the sockets' buffers, read slowly until then. A /blocking request ends on its own
    // within 1000 ms (the contract's cap), which a loaded machine can spend before the check.
    SlowClient inFlight = SlowClient.get(port, "/export?rows=" + EXPORT_ROWS);
    assertThat(inFlight.status.get(30, TimeUnit.SECONDS)).as("export status").isEqualTo(200);
    shop.destroy(); // SIGTERM on Linux

    // The signal is handled asynchronously: /ready turns 503 shortly, while the request still runs.
    HttpResponse<String> ready = get(port, "/ready");
    long readyUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (ready.statusCode() == 200 && System.nanoTime() < readyUntil) {
      ready = get(port, "/ready");
    }
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(ready.body()).isEqualTo("{\"status\":\"DRAINING\"}");
    assertThat(inFlight.body).as("the in-flight request is still running").isNotDone();

    inFlight.readOnAtFullSpeed();
    inFlight.body.get(30, TimeUnit.SECONDS); // every row, checked
    assertThat(shop.waitFor(20, TimeUnit.SECONDS)).as("exited").isTrue();
    assertThat(shop.exitValue()).isZero();
  }

  /**
   * Rows of the drained export: some 53 MB, over three times what a slow client can have read
   * (400 KB/s) plus both sockets' buffers (at most 4 MB and 6 MB by Linux's defaults) and the
   * client's few queued buffers before the check.
   */
  private static final int EXPORT_ROWS = 1_000_000;

  /**
   * One request through the JDK client, whose body stream asks for more only as it is read, read
   * on a thread of its own at 4 KiB per 10 ms at most (the pause throttles, it synchronizes
   * nothing) until {@link #readOnAtFullSpeed}, and checked row by row as the export contract says
   * ({@link ShopStreamingContract#assertExport}). Slow, but never so slow that the server's
   * write-stall timeout (10 s without its queue draining) cuts the stream.
   */
  private static final class SlowClient {
    final CompletableFuture<Integer> status = new CompletableFuture<>();
    /** Completes once every row was read and checked. */
    final CompletableFuture<Void> body = new CompletableFuture<>();
    private volatile boolean fullSpeed;

    static SlowClient get(int port, String path) {
      SlowClient client = new SlowClient();
      CLIENT.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
          HttpResponse.BodyHandlers.ofInputStream()).whenComplete((r, failure) -> {
            if (failure != null) {
              client.status.completeExceptionally(failure);
              client.body.completeExceptionally(failure);
              return;
            }
            client.status.complete(r.statusCode());
            Thread reader = new Thread(() -> client.read(r.body()), "slow-client");
            reader.setDaemon(true);
            reader.start();
          });
      return client;
    }

    void readOnAtFullSpeed() {
      fullSpeed = true;
    }

    private void read(InputStream raw) {
      try {
        ShopStreamingContract.assertExport(new FilterInputStream(raw) {
          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            if (fullSpeed) {
              return super.read(b, off, len);
            }
            try {
              Thread.sleep(10);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              throw new java.io.InterruptedIOException();
            }
            return super.read(b, off, Math.min(len, 4096));
          }
        }, EXPORT_ROWS);
        body.complete(null);
      } catch (Throwable e) {
        body.completeExceptionally(e);
      }
    }
  }

  @Test
  void jsonLogsAndAccessLog_goToTheRollingFileAsOneObjectPerLine() throws Exception {
    Path dir = Files.createTempDirectory("shop-logs");
    Path file = dir.resolve("logs/shop.log");
    Process shop = launch("--port", "0", "--log-format", "json", "--log-file", file.toString(),
        "--access-log", "--log-level", "dev.bulwark=DEBUG,io.vertx=WARN");
    int port = awaitListening(shop);
    assertThat(get(port, "/hello").statusCode()).isEqualTo(200);
    shop.destroy();
    assertThat(shop.waitFor(20, TimeUnit.SECONDS)).as("exited").isTrue();

    List<com.fasterxml.jackson.databind.JsonNode> lines = new ArrayList<>();
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      lines.add(json.readTree(line));
    }
    assertThat(lines).isNotEmpty().allSatisfy(n -> {
      assertThat(n.path("level").asText()).isIn("TRACE", "DEBUG", "INFO", "WARN", "ERROR");
      assertThat(n.path("loggerName").asText()).isNotEmpty();
      assertThat(n.has("message")).isTrue();
    });
    assertThat(lines).anySatisfy(n -> assertThat(n.path("formattedMessage").asText()).startsWith("listening on "));
    assertThat(lines).anySatisfy(n -> {
      assertThat(n.path("loggerName").asText()).isEqualTo("dev.bulwark.access");
      assertThat(n.path("formattedMessage").asText()).startsWith("GET /hello 200 ");
      assertThat(n.path("kvpList").toString()).contains("{\"status\":\"200\"}", "{\"bytes\":\"13\"}");
    });
  }

  @Test
  void badLogLevel_exits2NamingIt() throws Exception {
    Process p = launch("--log-level", "dev.bulwark=LOUD");

    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(2);
    assertThat(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEmpty();
  }

  @Test
  void unknownOption_exits2WithOneLine() throws Exception {
    Process p = launch("--frobnicate");

    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(2);
    assertThat(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEmpty();
  }

  @Test
  void portInUse_exits1() throws Exception {
    Process first = launch("--port", "0");
    int port = awaitListening(first);

    Process second = launch("--port", Integer.toString(port));

    assertThat(second.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(second.exitValue()).isEqualTo(ShopMain.START_FAILED);
  }
}
