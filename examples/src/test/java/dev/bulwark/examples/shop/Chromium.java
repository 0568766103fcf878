package dev.bulwark.examples.shop;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * A headless Chromium driven over the Chrome DevTools Protocol with the JDK's own WebSocket client:
 * one page, {@link #navigate}, {@link #evaluate} (clicks and DOM reads are JavaScript) and
 * {@link #screenshot}. The browser runs with a fresh profile in a temporary directory, on a
 * debugging port of its choice (read from {@code DevToolsActivePort}), and is killed by
 * {@link #close}. Not thread-safe: one test drives it.
 *
 * <p>Without a Chromium binary ({@code /usr/bin/chromium}, or the one named by the system property
 * {@code bulwark.chromium}) {@link #launch} skips the test, or fails it when
 * {@code bulwark.requireServers} is {@code true} (CI).
 */
final class Chromium implements AutoCloseable {

  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private final Process process;
  private final Path profile;
  private final WebSocket socket;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, CompletableFuture<JsonObject>> pending = new ConcurrentHashMap<>();

  private Chromium(Process process, Path profile, WebSocket socket, Listener listener) {
    this.process = process;
    this.profile = profile;
    this.socket = socket;
    listener.owner = this;
  }

  /** The Chromium binary, or null when there is none. */
  static Path binary() {
    Path p = Path.of(System.getProperty("bulwark.chromium", "/usr/bin/chromium"));
    return Files.isExecutable(p) ? p : null;
  }

  /** Starts a headless browser with a {@code width} x {@code height} page, or skips the test. */
  static Chromium launch(int width, int height) throws Exception {
    Path binary = binary();
    if (binary == null) {
      String why = "no Chromium at " + System.getProperty("bulwark.chromium", "/usr/bin/chromium")
          + " (apt-get install -y chromium)";
      if ("true".equalsIgnoreCase(System.getProperty("bulwark.requireServers"))) {
        Assertions.fail(why);
      }
      Assumptions.abort(why);
    }
    Path profile = Files.createTempDirectory("bulwark-chromium");
    Process process = new ProcessBuilder(binary.toString(), "--headless", "--no-sandbox",
        "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-extensions",
        "--hide-scrollbars", "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
        "--user-data-dir=" + profile, "--window-size=" + width + "," + height, "about:blank")
        .redirectErrorStream(true)
        .redirectOutput(profile.resolve("chromium.log").toFile())
        .start();
    try {
      Path portFile = profile.resolve("DevToolsActivePort");
      Awaitility.await("Chromium's DevToolsActivePort").atMost(TIMEOUT)
          .until(() -> !process.isAlive() || Files.exists(portFile) && Files.readAllLines(portFile).size() >= 2);
      if (!process.isAlive()) {
        throw new IllegalStateException("Chromium exited with " + process.exitValue() + ": "
            + Files.readString(profile.resolve("chromium.log")));
      }
      int port = Integer.parseInt(Files.readAllLines(portFile).get(0).strip());
      HttpClient http = HttpClient.newHttpClient();
      JsonArray targets = new JsonArray(http.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + port + "/json/list")).build(),
          HttpResponse.BodyHandlers.ofString()).body());
      String pageUrl = targets.stream().map(o -> (JsonObject) o)
          .filter(t -> "page".equals(t.getString("type"))).findFirst()
          .orElseThrow(() -> new IllegalStateException("Chromium has no page: " + targets))
          .getString("webSocketDebuggerUrl");
      Listener listener = new Listener();
      WebSocket socket = http.newWebSocketBuilder().connectTimeout(TIMEOUT)
          .buildAsync(URI.create(pageUrl), listener).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      Chromium chromium = new Chromium(process, profile, socket, listener);
      chromium.call("Page.enable", new JsonObject());
      chromium.call("Emulation.setDeviceMetricsOverride", new JsonObject().put("width", width)
          .put("height", height).put("deviceScaleFactor", 1).put("mobile", false));
      return chromium;
    } catch (Exception | Error e) {
      process.destroyForcibly();
      deleteTree(profile);
      throw e;
    }
  }

  /** Sends one DevTools command and waits for its result. */
  JsonObject call(String method, JsonObject params) throws Exception {
    int id = ids.incrementAndGet();
    CompletableFuture<JsonObject> answer = new CompletableFuture<>();
    pending.put(id, answer);
    socket.sendText(new JsonObject().put("id", id).put("method", method).put("params", params).encode(), true)
        .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    JsonObject message = answer.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    if (message.containsKey("error")) {
      throw new IllegalStateException(method + " failed: " + message.getJsonObject("error"));
    }
    return message.getJsonObject("result");
  }

  /** Opens {@code url} and waits until its document has loaded. */
  void navigate(String url) throws Exception {
    call("Page.navigate", new JsonObject().put("url", url));
    Awaitility.await("load of " + url).atMost(TIMEOUT)
        .until(() -> "complete".equals(evaluate("document.readyState")));
  }

  /**
   * The value of a JavaScript expression in the page (awaiting a promise), as JSON gives it
   * ({@code String}, {@code Number}, {@code Boolean}, {@code JsonObject}, {@code JsonArray}) or null.
   *
   * @throws IllegalStateException when the expression throws
   */
  Object evaluate(String expression) throws Exception {
    JsonObject result = call("Runtime.evaluate", new JsonObject().put("expression", expression)
        .put("returnByValue", true).put("awaitPromise", true));
    if (result.containsKey("exceptionDetails")) {
      throw new IllegalStateException(expression + " threw: " + result.getJsonObject("exceptionDetails"));
    }
    return result.getJsonObject("result").getValue("value");
  }

  /** The text of each element matching the CSS {@code selector}, in document order. */
  List<Object> texts(String selector) throws Exception {
    Object v = evaluate("Array.from(document.querySelectorAll(" + quote(selector)
        + ")).map(e => e.textContent)");
    return ((JsonArray) v).getList();
  }

  /** {@code s} as a JavaScript string literal. */
  static String quote(String s) {
    String array = new JsonArray().add(s).encode();
    return array.substring(1, array.length() - 1);
  }

  /** A PNG of the whole page. */
  byte[] screenshot() throws Exception {
    JsonObject result = call("Page.captureScreenshot", new JsonObject().put("format", "png")
        .put("captureBeyondViewport", true));
    return Base64.getDecoder().decode(result.getString("data"));
  }

  @Override
  public void close() throws Exception {
    try {
      socket.abort();
      // Chromium's renderer, zygote and crash handler are children that outlive a killed parent
      // and go on writing into the profile: end them all before the profile is deleted.
      List<ProcessHandle> family = Stream.concat(process.descendants(), Stream.of(process.toHandle())).toList();
      family.forEach(ProcessHandle::destroy);
      for (ProcessHandle p : family) {
        try {
          p.onExit().get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
          p.destroyForcibly();
          try {
            p.onExit().get(10, TimeUnit.SECONDS);
          } catch (java.util.concurrent.TimeoutException stuck) {
            // unkillable for now (the kernel will reap it): go on ending the others
          }
        }
      }
    } finally {
      deleteTree(profile);
    }
  }

  /**
   * Deletes {@code root} and what is under it. A file that vanishes while the tree is walked (a
   * browser's temporary file) is not an error; a directory left behind in /tmp is harmless.
   */
  private static void deleteTree(Path root) {
    try {
      Files.walkFileTree(root, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Files.deleteIfExists(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) {
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path dir, IOException e) {
          try {
            Files.deleteIfExists(dir);
          } catch (IOException notEmpty) {
            // something was written into it after the walk passed: leave it
          }
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      // a file that could not be deleted: what is left stays in /tmp, which is harmless
    }
  }

  /** Collects text frames into messages and completes the command each answers. */
  private static final class Listener implements WebSocket.Listener {
    private final StringBuilder partial = new StringBuilder();
    private volatile Chromium owner;

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        JsonObject message = new JsonObject(partial.toString());
        partial.setLength(0);
        Integer id = message.getInteger("id");
        Chromium o = owner;
        if (id != null && o != null) {
          CompletableFuture<JsonObject> answer = o.pending.remove(id);
          if (answer != null) {
            answer.complete(message);
          }
        }
      }
      webSocket.request(1);
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      Chromium o = owner;
      if (o != null) {
        o.pending.values().forEach(f -> f.completeExceptionally(error));
      }
    }
  }

}
