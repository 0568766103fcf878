package dev.bulwark.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.File;
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
    Process shop = launch("--port", "0");
    int port = awaitListening(shop);
    assertThat(get(port, "/ready").statusCode()).isEqualTo(200);

    CompletableFuture<HttpResponse<String>> inFlight = CLIENT.sendAsync(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/blocking?ms=1000")).build(),
        HttpResponse.BodyHandlers.ofString());
    // The request must be running before the signal: wait until the pool reports it active.
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!get(port, "/metrics").body().contains("bulwark_pool_active{pool=\"default\"} 1.0")) {
      assertThat(System.nanoTime()).as("request became active").isLessThan(until);
      Thread.onSpinWait();
    }
    shop.destroy(); // SIGTERM on Linux

    // The signal is handled asynchronously: /ready turns 503 shortly, while the request still runs.
    HttpResponse<String> ready = get(port, "/ready");
    long readyUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (ready.statusCode() == 200 && System.nanoTime() < readyUntil) {
      ready = get(port, "/ready");
    }
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(ready.body()).isEqualTo("{\"status\":\"DRAINING\"}");
    assertThat(inFlight).as("the in-flight request is still running").isNotDone();

    HttpResponse<String> drained = inFlight.get(10, TimeUnit.SECONDS);
    assertThat(drained.statusCode()).isEqualTo(200);
    assertThat(drained.body()).isEqualTo("{\"sleptMs\":1000}");
    assertThat(shop.waitFor(20, TimeUnit.SECONDS)).as("exited").isTrue();
    assertThat(shop.exitValue()).isZero();
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
