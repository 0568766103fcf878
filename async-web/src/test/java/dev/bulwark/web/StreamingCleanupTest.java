package dev.bulwark.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;
import io.vertx.junit5.VertxExtension;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A blocking source is closed however its response ends: completed, failed, and also when it was
 * never pulled at all, because the worker pool turned the pull away (503) or the client left
 * before the handler's future delivered it. The server has one worker and no queue, so a single
 * blocked handler fills the pool (a stream whose client stops reading does not: it gives its slot
 * back, see {@link StreamSlotFaultTest}).
 */
@ExtendWith(VertxExtension.class)
class StreamingCleanupTest {

  static volatile CountDownLatch closed = new CountDownLatch(1);
  static volatile CountDownLatch invoked = new CountDownLatch(1);
  static volatile CountDownLatch holding = new CountDownLatch(1);
  static final CountDownLatch release = new CountDownLatch(1);

  private static TestServer server;

  @BeforeAll
  static void start(Vertx vertx) {
    server = TestServer.start(vertx,
        o -> o.workerPool(dev.bulwark.core.WorkerPool.DEFAULT_NAME, b -> b.maxConcurrency(1).maxQueue(0)),
        new Sources());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @BeforeEach
  void reset() {
    closed = new CountDownLatch(1);
    invoked = new CountDownLatch(1);
  }

  /** A closeable iterator over fixed items that fails instead of ending when told to. */
  static final class CloseableIterator implements Iterator<String>, AutoCloseable {
    private final Iterator<String> items;
    private final boolean failAtEnd;

    CloseableIterator(List<String> items, boolean failAtEnd) {
      this.items = items.iterator();
      this.failAtEnd = failAtEnd;
    }

    @Override
    public boolean hasNext() {
      if (!items.hasNext() && failAtEnd) {
        throw new IllegalStateException("broken at the end");
      }
      return items.hasNext();
    }

    @Override
    public String next() {
      return items.next();
    }

    @Override
    public void close() {
      closed.countDown();
    }
  }

  public static class Sources {

    @Get("/complete/stream")
    @Streaming(format = StreamFormat.TEXT)
    public Stream<String> completeStream() {
      return Stream.of("a", "b").onClose(closed::countDown);
    }

    @Get("/complete/iterator")
    @Streaming(format = StreamFormat.TEXT)
    public Iterator<String> completeIterator() {
      return new CloseableIterator(List.of("a", "b"), false);
    }

    @Get("/failing/iterator")
    @Streaming(format = StreamFormat.TEXT)
    public Iterator<String> failingIterator() {
      return new CloseableIterator(List.of("a", "b"), true);
    }

    /** Holds the only worker until the test releases it. */
    @Get("/hold")
    public String hold() throws InterruptedException {
      holding.countDown();
      return release.await(30, TimeUnit.SECONDS) ? "released" : "timed out";
    }

    /** Delivers its stream only once the client has gone. */
    @Get("/late")
    @Streaming(format = StreamFormat.TEXT)
    public Future<Stream<String>> late(RoutingContext ctx) {
      Promise<Stream<String>> promise = Promise.promise();
      ctx.addEndHandler(ar -> promise.complete(Stream.of("too late").onClose(closed::countDown)));
      invoked.countDown();
      return promise.future();
    }
  }

  @Test
  void completedStream_isClosed() throws Exception {
    assertThat(server.get("/complete/stream").body()).isEqualTo("a\nb\n");

    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> closed.getCount() == 0);
  }

  @Test
  void completedCloseableIterator_isClosed() {
    assertThat(server.get("/complete/iterator").body()).isEqualTo("a\nb\n");

    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> closed.getCount() == 0);
  }

  @Test
  void failedCloseableIterator_isClosed() {
    assertThat(server.get("/failing/iterator").statusCode()).isEqualTo(500);

    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> closed.getCount() == 0);
  }

  @Test
  void pullRejectedByAFullPool_answers503_andClosesTheSource() throws Exception {
    CompletableFuture<HttpResponse<String>> hog =
        Http.sendAsync(server.client(), server.request("/hold").timeout(Duration.ofSeconds(30)).build());
    assertThat(holding.await(5, TimeUnit.SECONDS)).as("the hog holds the worker").isTrue();

    HttpResponse<String> r = server.get("/complete/stream");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
    assertThat(r.headers().firstValue("retry-after")).isPresent();
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> closed.getCount() == 0);
    release.countDown();
    assertThat(Http.await(hog).body()).isEqualTo("released");
    // The hog's worker is freed once it is answered.
    Awaitility.await().atMost(Duration.ofSeconds(5))
        .until(() -> server.server().pool(dev.bulwark.core.WorkerPool.DEFAULT_NAME).stats().active() == 0);
  }

  @Test
  void clientGoneBeforeTheHandlerDeliveredItsStream_closesTheStream() throws Exception {
    try (Socket socket = Http.connect(server.port())) {
      Http.write(socket, Http.get("/late"));
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> invoked.getCount() == 0);
      // Leaves with a reset: a bare FIN before the answer begins is a half-close, which HTTP/1.1
      // allows and the server answers (RequestPathResilienceTest).
      socket.setSoLinger(true, 0);
    }

    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> closed.getCount() == 0);
  }
}
