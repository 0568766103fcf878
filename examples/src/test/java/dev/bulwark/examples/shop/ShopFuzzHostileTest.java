package dev.bulwark.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bulwark.core.PoolStats;
import dev.bulwark.core.WorkerPool;
import dev.bulwark.core.testing.Scorecard;
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
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
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
 * {@code mvn -o -pl examples -am verify -Dtest=ShopFuzzHostileTest -Dfuzz.tries=1000000
 * -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=NONE -Dfailsafe.failIfNoSpecifiedTests=false}.
 * Cases are made as they are sent, each from its own random source, so memory does not grow with
 * the number of tries; each socket is closed after its case. A run prints one line
 * {@code fuzz: N cases in S s (R cases/s ...): 5xx, hangs, shed 503, failures; after: worker slots,
 * queued tasks, db connections, file descriptors} and fails on any 5xx but shedding, any hang, and
 * anything still held at the end. {@code -Dfuzz.seed=N} replays a run; a failure names its seed,
 * its case number and the request. The cases are drawn from the arbitraries in one jqwik example
 * (not a {@code @Property}) so that the number of tries is a plain system property and the cases
 * can be sent from several client threads.
 */
class ShopFuzzHostileTest {

  private static final int TRIES = Integer.getInteger("fuzz.tries", 10_000);
  private static final long SEED = Long.getLong("fuzz.seed", 12L);
  private static final int CLIENTS = 4;
  private static final int DEADLINE_MILLIS = 10_000;
  /** Descriptors a run may leave open for a while: connections closing, pooled, cached. */
  private static final long FD_SLACK = 64;
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
    long fdsBefore = openFileDescriptors();
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    AtomicInteger sentCount = new AtomicInteger();
    AtomicInteger shed = new AtomicInteger();
    AtomicInteger errors5xx = new AtomicInteger();
    AtomicInteger hangs = new AtomicInteger();
    // jqwik generates on its own thread only: this thread makes the cases as the clients need them.
    BlockingQueue<FuzzCase> queue = new ArrayBlockingQueue<>(4 * CLIENTS);
    long started = System.nanoTime();
    ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
    try {
      List<Future<?>> running = new ArrayList<>();
      for (int c = 0; c < CLIENTS; c++) {
        running.add(clients.submit(() -> {
          for (FuzzCase fuzz = queue.take(); fuzz.index() >= 0; fuzz = queue.take()) {
            String verdict = send(fuzz.request());
            sentCount.incrementAndGet();
            if (verdict.equals("503-shed")) {
              shed.incrementAndGet();
            } else if (!verdict.isEmpty()) {
              if (verdict.startsWith("status 5")) {
                errors5xx.incrementAndGet();
              } else if (verdict.startsWith("no answer")) {
                hangs.incrementAndGet();
              }
              failures.add("case " + fuzz.index() + " (seed " + SEED + "): " + verdict + " for "
                  + printable(fuzz.request()));
            }
          }
          return null;
        }));
      }
      // A million cases take minutes, not hours: allow 10 ms a case on top of ten minutes.
      long budgetMillis = TimeUnit.MINUTES.toMillis(10) + 10L * TRIES;
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(budgetMillis);
      for (int i = 0; i < TRIES && failures.size() < 10; i++) {
        FuzzCase fuzz = new FuzzCase(i, generate(generator, i));
        if (!queue.offer(fuzz, deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) {
          throw new AssertionError("the clients stopped taking cases (hung?) at case " + i);
        }
      }
      for (int c = 0; c < CLIENTS; c++) {
        if (!queue.offer(new FuzzCase(-1, ""), deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) {
          throw new AssertionError("the clients stopped taking cases (hung?) at the end");
        }
      }
      for (Future<?> f : running) {
        f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      }
    } finally {
      clients.shutdownNow();
    }
    int sent = sentCount.get();
    double seconds = (System.nanoTime() - started) / 1e9;

    WorkerPool pool = shop.server().pool(WorkerPool.DEFAULT_NAME);
    long[] leaks = new long[4];
    try {
      Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        PoolStats stats = pool.stats();
        leaks[0] = stats.active();
        leaks[1] = stats.queued();
        leaks[2] = (long) dbConnectionsActive();
        leaks[3] = openFileDescriptors() - fdsBefore;
        assertThat(stats.active()).as("worker slots held").isZero();
        assertThat(stats.queued()).as("queued tasks").isZero();
        assertThat(leaks[2]).as("database connections held").isZero();
        assertThat(leaks[3]).as("file descriptors opened by the run and still open")
            .isLessThanOrEqualTo(FD_SLACK);
      });
    } finally {
      System.out.printf(java.util.Locale.ROOT, "fuzz: %d cases in %.1f s (%.0f cases/s, %d clients,"
          + " seed %d): 5xx %d, hangs %d, shed 503 %d, failures %d; after: worker slots held %d,"
          + " queued %d, db connections held %d, file descriptors +%d%n", sent, seconds,
          sent / seconds, CLIENTS, SEED, errors5xx.get(), hangs.get(), shed.get(), failures.size(),
          leaks[0], leaks[1], leaks[2], leaks[3]);
    }
    assertThat(failures).as("hostile requests answered badly").isEmpty();
    assertThat(shed.get()).as("load-shedding 503s among %d cases", TRIES).isLessThan(TRIES / 10);
    Scorecard.hostile(ShopFuzzHostileTest.class, "shop fuzz",
        "raw HTTP/1.1 requests from hostile paths, queries, headers and JSON bodies, each on its own"
            + " socket, " + CLIENTS + " clients",
        Scorecard.figures("cases", sent, "casesPerSecond", Math.round(sent / seconds),
            "errors5xx", errors5xx.get(), "hung", hangs.get(), "shed", shed.get(),
            "leakedWorkerSlots", leaks[0], "leakedDbConnections", leaks[2]));
  }

  /** One case of the run, or (index -1) the end of the cases. */
  private record FuzzCase(int index, String request) {
  }

  /**
   * Case {@code i} of the run: drawn from its own random source (seed and index), so the cases
   * are made as they are sent (a million need no memory) and each can be replayed alone.
   */
  private static String generate(RandomGenerator<String> generator, int i) {
    return generator.next(new Random(SEED * 1_000_003L + i)).value();
  }

  /** This process's open file descriptors (Linux), or 0 where that cannot be read. */
  private static long openFileDescriptors() {
    try (java.util.stream.Stream<java.nio.file.Path> fds =
        java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/fd"))) {
      return fds.count();
    } catch (IOException | UnsupportedOperationException e) {
      return 0;
    }
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
    // The client's default (an h2c upgrade the server answers over HTTP/1.1; see issue 12).
    HttpResponse<String> metrics = HttpClient.newHttpClient().send(
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
