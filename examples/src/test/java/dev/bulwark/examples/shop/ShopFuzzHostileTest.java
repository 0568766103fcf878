package dev.bulwark.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bulwark.core.PoolStats;
import dev.bulwark.core.WorkerPool;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.RandomGenerator;
import org.awaitility.Awaitility;
import net.jqwik.api.Example;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * A property-based fuzzer of the shop (in process, H2): raw HTTP/1.1 requests built by jqwik
 * arbitraries from hostile paths, query strings, header names and values, and JSON bodies, each
 * sent on its own socket. Every request must be answered (or its connection closed) within a
 * deadline and never with a 5xx other than load shedding (503 with {@code Retry-After}); at the
 * end the worker pool and the database pool are idle again (nothing hung, nothing leaked).
 *
 * <p>10,000 cases by default (CI, well under a minute); the long profile runs a million:
 * {@code mvn -pl examples -am verify -Dtest=ShopFuzzHostileTest -Dfuzz.tries=1000000
 * -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=NONE -Dfailsafe.failIfNoSpecifiedTests=false}.
 * {@code -Dfuzz.seed=N} replays a run; a failure names its seed and the request. The cases are
 * drawn from the arbitraries in one jqwik example (not a {@code @Property}) so that the number of
 * tries is a plain system property and the cases can be sent from several client threads.
 */
class ShopFuzzHostileTest {

  private static final int TRIES = Integer.getInteger("fuzz.tries", 10_000);
  private static final long SEED = Long.getLong("fuzz.seed", 12L);
  private static final int CLIENTS = 4;
  private static final int DEADLINE_MILLIS = 10_000;
  private static final Pattern DB_ACTIVE =
      Pattern.compile("(?m)^hikaricp_connections_active\\{[^}]*} (\\S+)$");

  private static Shop shop;

  @BeforeContainer
  static void start() throws Exception {
    ShopConfig config = new ShopConfig("127.0.0.1", 0, 8, 64, Duration.ofSeconds(2), 2,
        Duration.ofSeconds(5), "jdbc:h2:mem:shopfuzz;DB_CLOSE_DELAY=-1", 4, null,
        ShopConfig.Role.ALL);
    shop = Shop.start(config).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @AfterContainer
  static void stop() throws Exception {
    shop.drain().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  /** Characters a hostile client puts anywhere: controls, escapes, separators, non-ASCII. */
  private static Arbitrary<String> hostile(int maxLength) {
    return Arbitraries.oneOf(
        Arbitraries.strings().withChars("%zZ09aF+-./\\?#&=;:,\"'<>{}[]|^`~ !$()*@_").ofMaxLength(maxLength),
        Arbitraries.strings().ascii().ofMaxLength(maxLength),
        Arbitraries.strings().all().ofMaxLength(maxLength),
        Arbitraries.of("%", "%zz", "%00", "%2e%2e", "..", ".", "%C0%AE", "%ff%fe", "08", "+8", "-1",
            "0", "1", "999999999999999999999", "1e3", "0x10", "NaN", "", " ", "\t", "\u0000",
            "\u00e9", "\ud800", "%0d%0aSet-Cookie:x=1", "/../../etc/passwd"));
  }

  private static Arbitrary<String> paths() {
    Arbitrary<String> segment = hostile(24);
    return Arbitraries.oneOf(
        segment.map(s -> "/products/" + s),
        segment.map(s -> "/products/" + s + "/cached"),
        Combinators.combine(Arbitraries.integers().between(1, 10_000), segment)
            .as((id, s) -> "/products/" + id + "/cached?" + s),
        segment.map(s -> "/users?limit=" + s),
        segment.map(s -> "/blocking?ms=" + s),
        Arbitraries.integers().between(0, 30).map(ms -> "/blocking?ms=" + ms),
        Combinators.combine(segment, Arbitraries.of("ndjson", "csv", "xml", "", "%zz"))
            .as((rows, f) -> "/export?rows=" + rows + "&format=" + f),
        segment.map(s -> "/events?count=" + s),
        segment.map(s -> "/expensive?" + s),
        segment.map(s -> "/tasks/" + s),
        segment.map(s -> "/assets/" + s),
        segment.map(s -> "/" + s),
        Arbitraries.of("/hello", "/health", "/ready", "/", "*", "//", "/hello?", "/hello#x"));
  }

  private static Arbitrary<String> jsonBodies() {
    Arbitrary<String> name = hostile(16).map(s -> s.replace("\\", "\\\\").replace("\"", "\\\""));
    return Arbitraries.oneOf(
        name.list().ofMaxSize(5).map(names -> {
          StringBuilder b = new StringBuilder("[");
          for (int i = 0; i < names.size(); i++) {
            b.append(i == 0 ? "" : ",").append("{\"name\":\"").append(names.get(i)).append("\"}");
          }
          return b.append(']').toString();
        }),
        hostile(64),
        Arbitraries.of("[]", "{}", "[{}]", "[{\"name\":null}]", "[{\"name\":1}]", "[[[[[[[[[[]]]]]]]]]]",
            "[{\"name\":\"a\"}] trailing", "[{\"name\":\"a\"}][{\"name\":\"b\"}]", "\u00ef\u00bb\u00bf[]",
            "[{\"name\":\"" + "x".repeat(200) + "\"}]", "[{\"name\":\"\\ud800\"}]", "nul", "1e999999"));
  }

  private static Arbitrary<String> headers() {
    Arbitrary<String> name = Arbitraries.oneOf(
        Arbitraries.of("Accept", "Accept-Encoding", "If-None-Match", "If-Modified-Since", "Range",
            "Content-Type", "X-Forwarded-Host", "X-HTTP-Method-Override", "Authorization", "Cookie",
            "Expect", "Upgrade", "TE", "Connection", "Transfer-Encoding", "Content-Length"),
        Arbitraries.strings().withChars("abcXYZ-_:@ \t").ofMinLength(1).ofMaxLength(12));
    return Combinators.combine(name, hostile(40)).as((n, v) -> n + ": " + v).list().ofMaxSize(4)
        .map(list -> String.join("\r\n", list));
  }

  /** One fuzz case: a whole raw request. */
  private static Arbitrary<String> requests() {
    Arbitrary<String> get = Combinators.combine(Arbitraries.of("GET", "HEAD", "GET", "DELETE",
            "OPTIONS", "PATCH", "BREW", "get"), paths(), headers())
        .as((m, p, h) -> m + " " + p + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + (h.isEmpty() ? "" : h + "\r\n")
            + "Connection: close\r\n\r\n");
    Arbitrary<String> post = Combinators.combine(Arbitraries.of("/users/bulk", "/tasks"),
            jsonBodies(), Arbitraries.of("application/json", "text/plain", "application/json; charset=latin1", ""))
        .as((p, body, type) -> {
          byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
          return "POST " + p + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
              + (type.isEmpty() ? "" : "Content-Type: " + type + "\r\n")
              + "Content-Length: " + bytes.length + "\r\nConnection: close\r\n\r\n"
              + new String(bytes, StandardCharsets.ISO_8859_1);
        });
    return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(3, get), net.jqwik.api.Tuple.of(1, post));
  }

  @Example
  void hostileRequests_getNo5xx_noHang_andLeakNothing() throws Exception {
    RandomGenerator<String> generator = requests().generator(1000);
    Random random = new Random(SEED);
    List<String> cases = new ArrayList<>(TRIES);
    for (int i = 0; i < TRIES; i++) {
      cases.add(generator.next(random).value());
    }
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    AtomicInteger next = new AtomicInteger();
    AtomicInteger shed = new AtomicInteger();
    ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
    try {
      List<Future<?>> running = new ArrayList<>();
      for (int c = 0; c < CLIENTS; c++) {
        running.add(clients.submit(() -> {
          for (int i = next.getAndIncrement(); i < cases.size() && failures.size() < 10;
              i = next.getAndIncrement()) {
            String request = cases.get(i);
            String verdict = send(request);
            if (verdict.equals("503-shed")) {
              shed.incrementAndGet();
            } else if (!verdict.isEmpty()) {
              failures.add("case " + i + " (seed " + SEED + "): " + verdict + " for "
                  + printable(request));
            }
          }
          return null;
        }));
      }
      for (Future<?> f : running) {
        f.get(30, TimeUnit.MINUTES);
      }
    } finally {
      clients.shutdownNow();
    }
    assertThat(failures).as("hostile requests answered badly").isEmpty();

    WorkerPool pool = shop.server().pool(WorkerPool.DEFAULT_NAME);
    Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      PoolStats stats = pool.stats();
      assertThat(stats.active()).as("worker slots held").isZero();
      assertThat(stats.queued()).as("queued tasks").isZero();
      assertThat(dbConnectionsActive()).as("database connections held").isZero();
    });
    assertThat(shed.get()).as("load-shedding 503s among %d cases", TRIES).isLessThan(TRIES / 10);
  }

  /** Sends one raw request; "" when it was answered well, else what went wrong. */
  private static String send(String request) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", shop.port()), 5000);
      socket.setSoTimeout(DEADLINE_MILLIS);
      OutputStream out = socket.getOutputStream();
      try {
        out.write(request.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
      } catch (SocketException e) {
        return ""; // closed on us mid-request: refused, which is an answer
      }
      String head = readHead(socket.getInputStream());
      if (head.isEmpty()) {
        return ""; // closed without an answer (a framing error the client cannot be told about)
      }
      String[] statusLine = head.split("\r\n", 2)[0].split(" ");
      // A request line that cannot be parsed has no version to answer in: HTTP/1.0 is fair.
      if (statusLine.length < 2 || !statusLine[0].matches("HTTP/1\\.[01]")) {
        return "malformed status line '" + head.split("\r\n", 2)[0] + "'";
      }
      int status = Integer.parseInt(statusLine[1]);
      String lower = head.toLowerCase(java.util.Locale.ROOT);
      if (status == 503 && lower.contains("\r\nretry-after:")) {
        return "503-shed";
      }
      if (status >= 500) {
        return "status " + status;
      }
      if (status >= 400 && !lower.contains("\r\ncontent-type: application/json")) {
        return "a " + status + " that is not JSON";
      }
      return "";
    } catch (SocketTimeoutException e) {
      return "no answer within " + DEADLINE_MILLIS + " ms";
    } catch (SocketException e) {
      return ""; // reset: the server closed the connection
    } catch (IOException e) {
      return "I/O failure " + e;
    }
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        return head.toString(StandardCharsets.ISO_8859_1);
      }
      head.write(b);
      matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    return head.toString(StandardCharsets.ISO_8859_1);
  }

  private static String printable(String request) {
    StringBuilder b = new StringBuilder();
    for (char c : request.toCharArray()) {
      b.append(c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\u%04x", (int) c));
    }
    return b.length() > 300 ? b.substring(0, 300) + "..." : b.toString();
  }

  private static double dbConnectionsActive() throws Exception {
    // HTTP/1.1 for the bookkeeping: what is under test are the raw hostile requests. (Once, after
    // a fuzz run, the JDK client's h2c upgrade read an HTTP/1 body as HTTP/2 frames; curl's h2c
    // upgrade to the same server passed 300 of 300. Noted as an open finding of issue 12.)
    HttpResponse<String> metrics = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + shop.port() + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    Matcher m = DB_ACTIVE.matcher(metrics.body());
    double active = 0;
    boolean found = false;
    while (m.find()) {
      found = true;
      active += Double.parseDouble(m.group(1));
    }
    assertThat(found).as("hikaricp_connections_active in /metrics").isTrue();
    return active;
  }
}
