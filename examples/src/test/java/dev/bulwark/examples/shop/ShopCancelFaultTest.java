package dev.bulwark.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.bulwark.core.PoolStats;
import dev.bulwark.core.WorkerPool;
import io.netty.util.ResourceLeakDetector;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * 10,000 requests whose clients vanish (a TCP reset) at a random point: before the answer of a
 * database read, in the middle of a streamed export, while queued or running on the worker pool.
 * Afterwards nothing is held: the worker pool has no active or queued task, the database pool no
 * active connection, the shop still answers, and Netty's leak detector, at PARANOID for this test
 * (every buffer tracked), reported no leaked buffer.
 *
 * <p>The level is set with {@link ResourceLeakDetector#setLevel} after the shop started (and the
 * {@code io.netty.leakDetection.level} property set before, without which Vert.x turns detection
 * off as it starts), rather than with {@code -Dio.netty.leakDetection.level=paranoid} in the
 * surefire argLine, which would track every buffer of every test in the module; the first test
 * proves the detector's reports reach this test by leaking a buffer on purpose.
 */
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class ShopCancelFaultTest {

  private static final int CANCELLED = Integer.getInteger("cancel.requests", 10_000);
  private static final int CLIENTS = 8;
  private static final Pattern DB_ACTIVE =
      Pattern.compile("(?m)^hikaricp_connections_active\\{[^}]*} (\\S+)$");
  private static final String[] TARGETS = {
      "/products/%d", "/users?limit=1000", "/export?rows=100000&format=ndjson",
      "/export?rows=100000&format=csv", "/blocking?ms=50", "/products/%d/cached", "/expensive"};

  private static Shop shop;
  private static ResourceLeakDetector.Level previousLevel;
  private static String previousProperty;
  private static ListAppender<ILoggingEvent> leaks;

  @BeforeAll
  static void start() throws Exception {
    previousLevel = ResourceLeakDetector.getLevel();
    // Vert.x turns leak detection off when it starts unless this property is set.
    previousProperty = System.setProperty("io.netty.leakDetection.level", "paranoid");
    leaks = new ListAppender<>();
    leaks.start();
    ((Logger) LoggerFactory.getLogger(ResourceLeakDetector.class)).addAppender(leaks);
    ShopConfig config = new ShopConfig("127.0.0.1", 0, 8, 32, Duration.ofSeconds(1), 2,
        Duration.ofSeconds(5), "jdbc:h2:mem:shopcancel;DB_CLOSE_DELAY=-1", 4, null,
        ShopConfig.Role.ALL);
    shop = Shop.start(config).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      shop.drain().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } finally {
      ((Logger) LoggerFactory.getLogger(ResourceLeakDetector.class)).detachAppender(leaks);
      ResourceLeakDetector.setLevel(previousLevel);
      if (previousProperty == null) {
        System.clearProperty("io.netty.leakDetection.level");
      } else {
        System.setProperty("io.netty.leakDetection.level", previousProperty);
      }
    }
  }

  /** The detector reaches this test's appender: a buffer leaked on purpose is reported. */
  @Test
  @org.junit.jupiter.api.Order(1)
  void leakDetector_reportsABufferLeakedOnPurpose() {
    assertThat(ResourceLeakDetector.getLevel()).isEqualTo(ResourceLeakDetector.Level.PARANOID);
    io.netty.buffer.ByteBuf leaked = io.netty.buffer.PooledByteBufAllocator.DEFAULT.buffer(64);
    leaked.writeInt(42);
    leaked = null;
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
      System.gc();
      io.netty.buffer.PooledByteBufAllocator.DEFAULT.buffer(64).release();
      return leakReports().size() > 0;
    });
    leaks.list.clear();
  }

  private static List<String> leakReports() {
    return new ArrayList<>(leaks.list).stream().map(ILoggingEvent::getFormattedMessage)
        .filter(m -> m.contains("LEAK")).toList();
  }

  @Test
  @org.junit.jupiter.api.Order(2)
  void clientsGoneMidQueryMidStreamMidQueue_leaveNothingHeld() throws Exception {
    AtomicInteger next = new AtomicInteger();
    AtomicInteger answeredBeforeReset = new AtomicInteger();
    ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
    try {
      List<Future<?>> running = new ArrayList<>();
      for (int c = 0; c < CLIENTS; c++) {
        long seed = c;
        running.add(clients.submit(() -> {
          SplittableRandom random = new SplittableRandom(seed);
          while (next.getAndIncrement() < CANCELLED) {
            if (cancelOne(random)) {
              answeredBeforeReset.incrementAndGet();
            }
          }
          return null;
        }));
      }
      for (Future<?> f : running) {
        f.get(10, TimeUnit.MINUTES);
      }
    } finally {
      clients.shutdownNow();
    }

    WorkerPool pool = shop.server().pool(WorkerPool.DEFAULT_NAME);
    Awaitility.await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      PoolStats stats = pool.stats();
      assertThat(stats.active()).as("worker slots held").isZero();
      assertThat(stats.queued()).as("tasks queued").isZero();
      assertThat(dbConnectionsActive()).as("database connections held").isZero();
    });
    // Leaks are reported when a leaked buffer has been collected and another one is tracked.
    for (int i = 0; i < 5; i++) {
      System.gc();
      assertThat(get("/products/7").statusCode()).isEqualTo(200);
      assertThat(get("/export?rows=2000").statusCode()).isEqualTo(200);
    }
    assertThat(leakReports()).as("Netty buffer leaks (PARANOID)").isEmpty();
    assertThat(answeredBeforeReset.get()).as("requests answered before their client left")
        .isLessThan(CANCELLED);
  }

  /** One request whose client resets the connection at a random point; true if it was answered. */
  private static boolean cancelOne(SplittableRandom random) throws IOException {
    String target = String.format(TARGETS[random.nextInt(TARGETS.length)], random.nextInt(1, 10_001));
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", shop.port()), 5000);
      socket.setSoLinger(true, 0); // close() sends a reset: the client is gone at once
      socket.setSoTimeout(5000);
      OutputStream out = socket.getOutputStream();
      out.write(("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
          .getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      int when = random.nextInt(4);
      if (when == 0) {
        return false; // gone at once: mid-queue or mid-query
      }
      if (when == 1) {
        LockSupport.parkNanos(random.nextLong(1_000_000, 20_000_000));
        return false; // gone a little later: running, or mid-stream
      }
      InputStream in = socket.getInputStream();
      byte[] buf = new byte[random.nextInt(1, 64 * 1024)];
      int n = in.read(buf);
      return n > 0; // gone after some bytes: mid-stream for an export
    } catch (java.net.SocketTimeoutException | java.net.SocketException e) {
      return false;
    }
  }

  // The client's default (HTTP/2 preference, an h2c upgrade request): the shop answers it over
  // HTTP/1.1 (issue 12), and this checks that it does after the resets too.
  private static HttpResponse<String> get(String path) throws Exception {
    return HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + shop.port() + path))
            .timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static double dbConnectionsActive() throws Exception {
    Matcher m = DB_ACTIVE.matcher(get("/metrics").body());
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
