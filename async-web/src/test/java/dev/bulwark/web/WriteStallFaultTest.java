package dev.bulwark.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.bulwark.core.PoolStats;
import dev.bulwark.core.WorkerPool;
import dev.bulwark.core.internal.ChunkedReadStream;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.streams.ReadStream;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Clients that stop reading give their resources back long before the idle timeout: a stream
 * whose socket stays full for {@code writeStallTimeout} is cut and its source (here shaped like a
 * database cursor, holding a "connection" while it produces) cancelled; and a request still
 * queued for a worker when its client leaves is dropped from the queue, never run.
 */
@ExtendWith(VertxExtension.class)
class WriteStallFaultTest {

  private static final int STALLED = 4;

  private Sources sources;
  private TestServer server;
  private final List<Socket> sockets = new ArrayList<>();

  @BeforeEach
  void start(Vertx vertx) {
    sources = new Sources(vertx);
    server = TestServer.start(vertx, o -> o
        .writeStallTimeout(Duration.ofSeconds(1))
        .workerPool(WorkerPool.DEFAULT_NAME, b -> b.maxConcurrency(1).maxQueue(4)
            .queueTimeout(Duration.ofSeconds(60))), sources);
  }

  @AfterEach
  void stop() throws IOException {
    sources.release.countDown();
    for (Socket s : sockets) {
      s.close();
    }
    server.close();
  }

  /** An endless cursor-like source: counts a held connection from its first chunk to its end. */
  static final class Cursor extends ChunkedReadStream<String> {
    private final AtomicInteger held;
    private final AtomicInteger released;

    Cursor(Context context, AtomicInteger held, AtomicInteger released) {
      super(context, task -> context.executeBlocking(task, false));
      this.held = held;
      this.released = released;
    }

    @Override
    protected void produce() throws Exception {
      held.incrementAndGet();
      try {
        long n = 0;
        while (awaitRoom()) {
          List<String> chunk = new ArrayList<>(256);
          for (int i = 0; i < 256; i++) {
            chunk.add(String.format("%-99d", n++));
          }
          offer(chunk);
        }
      } finally {
        released.incrementAndGet();
      }
    }
  }

  public static class Sources {
    final Vertx vertx;
    final AtomicInteger held = new AtomicInteger();
    final AtomicInteger released = new AtomicInteger();
    final AtomicInteger counted = new AtomicInteger();
    final CountDownLatch holding = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    Sources(Vertx vertx) {
      this.vertx = vertx;
    }

    @Get("/cursor")
    @Streaming(format = StreamFormat.TEXT)
    public ReadStream<String> cursor() {
      return new Cursor(vertx.getOrCreateContext(), held, released);
    }

    @Get("/hold")
    public String hold() throws InterruptedException {
      holding.countDown();
      return release.await(60, TimeUnit.SECONDS) ? "released" : "timed out";
    }

    @Get("/counted")
    public String counted() {
      counted.incrementAndGet();
      return "ran";
    }
  }

  // Its own wait (30 s) outlasts the 20 s default of junit-platform.properties.
  @Test
  @Timeout(60)
  void clientsThatReadNothing_areCutAtTheWriteStallTimeout_andTheirSourcesStop() throws Exception {
    for (int i = 0; i < STALLED; i++) {
      Socket socket = new Socket();
      socket.setReceiveBufferSize(4096);
      socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 2000);
      sockets.add(socket);
      Http.write(socket, Http.get("/cursor"));
    }

    // The idle timeout (60 s) is far away: only the stall timeout can end these in time.
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      assertThat(sources.held.get()).as("cursors opened").isEqualTo(STALLED);
      assertThat(sources.released.get()).as("cursors released").isEqualTo(STALLED);
    });
    for (Socket s : sockets) {
      assertThat(readToEnd(s)).as("the stalled connection was closed by the server").isTrue();
    }
    assertThat(server.get("/counted").statusCode()).isEqualTo(200);
  }

  // Its own waits (10 + 10 + 20 + 10 s) outlast the 20 s default of junit-platform.properties.
  @Test
  @Timeout(90)
  void queuedRequestWhoseClientLeft_isDroppedFromTheQueue_andNeverRuns() throws Exception {
    CompletableFuture<HttpResponse<String>> hog = Http.sendAsync(server.client(),
        server.request("/hold").timeout(Duration.ofSeconds(60)).build());
    assertThat(sources.holding.await(10, TimeUnit.SECONDS)).as("the hog holds the worker").isTrue();
    WorkerPool pool = server.server().pool(WorkerPool.DEFAULT_NAME);

    Socket gone = Http.connect(server.port());
    sockets.add(gone);
    Http.write(gone, Http.get("/counted"));
    await().atMost(Duration.ofSeconds(10)).until(() -> pool.stats().queued() == 1);
    // Leaves with a reset: a bare FIN before the answer begins is a half-close, which HTTP/1.1
    // allows and the server answers (RequestPathResilienceTest).
    gone.setSoLinger(true, 0);
    gone.close();

    // The queue timeout is 60 s: only the client's leaving can empty the queue this soon.
    await().atMost(Duration.ofSeconds(20)).until(() -> pool.stats().queued() == 0);
    sources.release.countDown();
    assertThat(Http.await(hog).body()).isEqualTo("released");
    await().atMost(Duration.ofSeconds(10)).until(() -> pool.stats().active() == 0);
    PoolStats stats = pool.stats();
    assertThat(sources.counted.get()).as("the abandoned request ran").isZero();
    assertThat(stats.queued()).isZero();
    assertThat(server.get("/metrics").body())
        .containsPattern("bulwark_pool_rejected_total\\{pool=\"default\",reason=\"cancelled\"[^}]*} 1\\.0");
  }

  /** Reads until the server ends the connection; false if it stays open (reads time out). */
  private static boolean readToEnd(Socket socket) throws IOException {
    socket.setSoTimeout(10_000);
    InputStream in = socket.getInputStream();
    byte[] buf = new byte[65536];
    try {
      while (in.read(buf) >= 0) {
        // discard what was sent before the cut
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (SocketException e) {
      return true;
    }
  }
}
