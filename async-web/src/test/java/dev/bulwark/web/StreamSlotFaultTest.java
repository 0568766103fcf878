package dev.bulwark.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Clients that stop reading a stream from a blocking source ({@code Iterator}, {@code Stream}) hold
 * no worker slot while their sockets are full: more such clients than the pool has slots all get
 * their streams, the pool's active count falls back to 0, and the blocking routes keep answering.
 * Every source is closed when its client leaves.
 */
@ExtendWith(VertxExtension.class)
class StreamSlotFaultTest {

  private static final int SLOTS = 2;
  private static final int SLOW_CLIENTS = 3 * SLOTS;
  private static final Pattern ACTIVE =
      Pattern.compile("(?m)^bulwark_pool_active\\{pool=\"default\"[^}]*} (\\S+)$");

  private Sources sources;
  private TestServer server;
  private final List<Socket> sockets = new ArrayList<>();

  @BeforeEach
  void start(Vertx vertx) {
    sources = new Sources();
    server = TestServer.start(vertx,
        // A queue, as in production: a stalled stream's socket may still drain a little now and
        // then, and the short pull that refills it must not turn a blocking request away. No
        // write-stall or idle deadline: the streams stay stalled for as long as the test takes, and
        // only their clients' leaving may close a source.
        o -> o.workerPool("default", b -> b.maxConcurrency(SLOTS).maxQueue(4 * SLOTS))
            .writeStallTimeout(Duration.ZERO)
            .idleTimeout(Duration.ZERO), sources);
  }

  @AfterEach
  void stop() throws IOException {
    for (Socket s : sockets) {
      s.close();
    }
    server.close();
  }

  /** An endless blocking source of 100-byte lines that counts its opening and closing. */
  static final class Endless implements Iterator<String>, AutoCloseable {
    private final AtomicInteger closed;
    private long n;

    Endless(AtomicInteger opened, AtomicInteger closed) {
      this.closed = closed;
      opened.incrementAndGet();
    }

    @Override
    public boolean hasNext() {
      return true;
    }

    @Override
    public String next() {
      return String.format("%-99d", n++);
    }

    @Override
    public void close() {
      closed.incrementAndGet();
    }
  }

  public static class Sources {
    final AtomicInteger opened = new AtomicInteger();
    final AtomicInteger closed = new AtomicInteger();

    @Get("/endless")
    @Streaming(format = StreamFormat.TEXT)
    public Iterator<String> endless() {
      return new Endless(opened, closed);
    }

    @Get("/work")
    public String work() {
      return "done";
    }
  }

  // Its own waits (30 s each) outlast the 20 s default of junit-platform.properties.
  @Test
  @Timeout(90)
  void clientsThatStopReading_holdNoWorkerSlot() throws Exception {
    for (int i = 0; i < SLOW_CLIENTS; i++) {
      Socket socket = new Socket();
      socket.setReceiveBufferSize(4096);
      socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 2000);
      sockets.add(socket);
      Http.write(socket, Http.get("/endless"));
      int expected = i + 1;
      // Each stream fills its socket, pauses and gives its slot back before the next one starts.
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        assertThat(sources.opened.get()).as("streams started").isEqualTo(expected);
        assertThat(activeSlots()).as("worker slots held").isZero();
      });
    }
    for (int i = 0; i < 2 * SLOTS; i++) {
      HttpResponse<String> work = server.get("/work");
      assertThat(work.statusCode()).as("a blocking route beside %d stalled streams", SLOW_CLIENTS)
          .isEqualTo(200);
      assertThat(work.body()).isEqualTo("done");
    }
    assertThat(sources.closed.get()).as("sources closed while their clients are connected").isZero();
    for (Socket s : sockets) {
      s.close();
    }
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      assertThat(sources.closed.get()).as("sources closed after their clients left")
          .isEqualTo(SLOW_CLIENTS);
      assertThat(activeSlots()).isZero();
    });
  }

  private double activeSlots() {
    String metrics = server.get("/metrics").body();
    Matcher m = ACTIVE.matcher(metrics);
    assertThat(m.find()).as("pool gauge in /metrics").isTrue();
    return Double.parseDouble(m.group(1));
  }
}
