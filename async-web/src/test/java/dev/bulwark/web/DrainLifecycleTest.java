package dev.bulwark.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.bulwark.core.CoarseTicker;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.EOFException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The drain end to end and the start/drain races of issue 12: a drain during start wins over
 * READY and undeploys; a failed start releases the pools and the cache manager; the drain delay;
 * drain actions at the drain's start; mounted routes admitted like planned ones; streams past the
 * grace ended at an item boundary (SSE with a {@code retry:} field).
 */
@ExtendWith(VertxExtension.class)
class DrainLifecycleTest {

  private final CountDownLatch release = new CountDownLatch(1);
  private BulwarkServer server;

  @AfterEach
  void stop() {
    release.countDown();
    if (server != null) {
      Http.await(server.drain());
    }
  }

  public class Handlers {
    @Get("/hello")
    public String hello() {
      return "hello";
    }

    @Get("/rows")
    @Streaming(format = StreamFormat.NDJSON)
    public Iterator<String> rows() {
      return endless("row");
    }

    @Get("/events")
    @Streaming(format = StreamFormat.SSE)
    public Iterator<String> events() {
      return endless("event");
    }
  }

  /** Items until the stream is closed; a short pause each, so the client is not flooded. */
  private static Iterator<String> endless(String name) {
    return new Iterator<>() {
      private long n;

      @Override
      public boolean hasNext() {
        return true;
      }

      @Override
      public String next() {
        try {
          Thread.sleep(2); // the producer's own pace, not synchronization
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
        return name + "-" + (n++);
      }
    };
  }

  private BulwarkServer create(Vertx vertx, ServerOptions.Builder options) {
    server = BulwarkServer.create(vertx, options.host("127.0.0.1").eventLoops(1).build());
    return server.handler(new Handlers());
  }

  private static ServerOptions.Builder options(int port) {
    return ServerOptions.builder().port(port).drainGrace(Duration.ofSeconds(2));
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static void assertPortClosed(int port) {
    await().atMost(Http.TIMEOUT).untilAsserted(() ->
        assertThatThrownBy(() -> Http.connect(port).close()).isInstanceOf(ConnectException.class));
  }

  @Test
  void drainDuringStart_winsOverReadyAndUndeploysTheVerticles(Vertx vertx) throws Exception {
    int port = freePort();
    BulwarkServer s = create(vertx, options(port));

    Future<BulwarkServer> started = s.start();
    Future<Void> drained = s.drain();

    Http.await(drained);
    await().atMost(Http.TIMEOUT).until(started::isComplete);
    assertThat(started.failed()).as("start reports the drain").isTrue();
    assertThat(s.state()).isEqualTo(ServerState.STOPPED);
    assertPortClosed(port);
    assertThat(vertx.deploymentIDs()).as("no verticle left deployed").isEmpty();
  }

  @Test
  void failedStart_portTaken_releasesPoolsAndCacheManager(Vertx vertx) throws Exception {
    boolean tickerBefore = CoarseTicker.running();
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      BulwarkServer s = create(vertx, options(taken.getLocalPort()));

      Future<BulwarkServer> started = s.start();

      await().atMost(Http.TIMEOUT).until(started::isComplete);
      assertThat(started.failed()).isTrue();
      assertThat(s.state()).isEqualTo(ServerState.STOPPED);
      assertThat(s.pool("default").submit(() -> "late").failed()).as("pool closed").isTrue();
      await().atMost(Http.TIMEOUT).untilAsserted(() ->
          assertThat(CoarseTicker.running()).as("ticker thread released").isEqualTo(tickerBefore));
      assertThat(s.drain().isComplete()).as("a drain after a failed start has nothing to wait for").isTrue();
    }
  }

  @Test
  void neverStartedServer_drainsAtOnce_withoutWaitingOutItsDrainDelay(Vertx vertx) {
    BulwarkServer s = create(vertx, options(0).drainGrace(Duration.ofHours(2))
        .drainDelay(Duration.ofHours(1)));

    Http.await(s.drain());

    assertThat(s.state()).isEqualTo(ServerState.STOPPED);
    assertThat(s.pool("default").submit(() -> "late").failed()).as("pool closed").isTrue();
  }

  @Test
  void drainDelay_reportsDrainingWhileStillServingThenRefuses(Vertx vertx) throws Exception {
    // The two requests below must be answered within the delay: the client's classes and the
    // route already warm (a first request), and a delay no slow machine's two round trips come
    // near (they took 140 ms here), within Http.await's 5 s for the whole drain.
    BulwarkServer s = create(vertx,
        options(0).drainGrace(Duration.ofSeconds(3)).drainDelay(Duration.ofSeconds(3)));
    Http.await(s.start());
    int port = s.port();
    Socket kept = Http.connect(port);
    assertThat(Http.send(Http.newClient(), Http.request(port, "/hello").build()).statusCode())
        .isEqualTo(200);

    Future<Void> drained = s.drain();

    HttpResponse<String> ready = Http.send(Http.newClient(), Http.request(port, "/ready").build());
    HttpResponse<String> hello = Http.send(Http.newClient(), Http.request(port, "/hello").build());
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(hello.statusCode()).as("served during the delay").isEqualTo(200);
    Http.await(drained);
    assertPortClosed(port);
    kept.close();
  }

  @Test
  void drainingActions_startAtTheDrainsStartBeforeInFlightRequestsEnd(Vertx vertx) throws Exception {
    BulwarkServer s = create(vertx, options(0));
    CountDownLatch entered = new CountDownLatch(1);
    s.routes(r -> r.get("/hold").handler(ctx -> {
      entered.countDown();
      vertx.executeBlocking(() -> release.await(10, TimeUnit.SECONDS))
          .onComplete(ar -> ctx.response().end("held"));
    }));
    AtomicBoolean stopClaiming = new AtomicBoolean();
    s.onDraining(() -> {
      stopClaiming.set(true);
      return Future.succeededFuture();
    });
    Http.await(s.start());
    CompletableFuture<HttpResponse<String>> held =
        Http.sendAsync(Http.newClient(), Http.request(s.port(), "/hold").build());
    assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();

    List<Meter> removed = new CopyOnWriteArrayList<>();
    s.meterRegistry().config().onMeterRemoved(removed::add);
    Future<Void> drained = s.drain();

    assertThat(stopClaiming).as("drain action ran at once").isTrue();
    assertThat(drained.isComplete()).as("a mounted route in flight holds the drain").isFalse();
    release.countDown();
    assertThat(Http.await(held).body()).isEqualTo("held");
    Http.await(drained);
    // The drain removes the server's meters from the registry; the removed timer kept the count.
    Timer timer = removedTimer(removed, "/hold", "200");
    assertThat(timer).as("mounted route recorded").isNotNull();
    assertThat(timer.count()).isEqualTo(1);
    assertThat(s.meterRegistry().find("http.server.requests").timers()).isEmpty();
  }

  @Test
  void mountedRoute_isRefusedWhileDraining(Vertx vertx) throws Exception {
    BulwarkServer s = create(vertx, options(0));
    CountDownLatch entered = new CountDownLatch(1);
    s.routes(r -> {
      r.get("/static/x").handler(ctx -> ctx.response().end("x"));
      r.get("/hold").handler(ctx -> {
        entered.countDown();
        vertx.executeBlocking(() -> release.await(10, TimeUnit.SECONDS))
            .onComplete(ar -> ctx.response().end("held"));
      });
    });
    Http.await(s.start());
    Socket socket = Http.connect(s.port());
    // Pipelined: the second request waits behind the held one, on a connection the drain
    // cannot close as idle, and is read after the drain began.
    Http.write(socket, Http.get("/hold") + Http.get("/static/x"));
    assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();

    List<Meter> removed = new CopyOnWriteArrayList<>();
    s.meterRegistry().config().onMeterRemoved(removed::add);
    Future<Void> drained = s.drain();
    release.countDown();
    Http.RawResponse held = Http.readResponse(socket);
    Http.RawResponse refused = Http.readResponse(socket);

    assertThat(held.status()).isEqualTo(200);
    assertThat(refused.status()).isEqualTo(503);
    assertThat(refused.headers()).containsEntry("connection", "close");
    socket.close();
    Http.await(drained);
    assertThat(removedTimer(removed, "/static/x", "503")).isNotNull();
  }

  /** The request timer of that route and status among the meters the drain removed, or null. */
  private static Timer removedTimer(List<Meter> removed, String route, String status) {
    return removed.stream()
        .filter(m -> m instanceof Timer && m.getId().getName().equals("http.server.requests")
            && route.equals(m.getId().getTag("route")) && status.equals(m.getId().getTag("status")))
        .map(Timer.class::cast).findFirst().orElse(null);
  }

  @Test
  void ndjsonPastTheGrace_endsAtARowBoundaryWithTheConnectionClosed(Vertx vertx) throws Exception {
    BulwarkServer s = create(vertx, options(0).drainGrace(Duration.ofMillis(300)));
    Http.await(s.start());
    try (Socket socket = Http.connect(s.port())) {
      Http.write(socket, Http.get("/rows"));
      ChunkedReader reader = new ChunkedReader(socket).readHead();
      StringBuilder body = new StringBuilder(new String(reader.nextChunk(), StandardCharsets.UTF_8));

      Future<Void> drained = s.drain();
      boolean cut = false;
      try {
        for (byte[] c = reader.nextChunk(); c != null; c = reader.nextChunk()) {
          body.append(new String(c, StandardCharsets.UTF_8));
        }
      } catch (EOFException e) {
        cut = true;
      }

      assertThat(cut).as("closed without the final chunk: the client can tell").isTrue();
      assertThat(body.toString()).endsWith("\n");
      for (String line : body.toString().split("\n")) {
        assertThat(line).matches("\"row-\\d+\"");
      }
      Http.await(drained);
    }
  }

  @Test
  void ssePastTheGrace_endsWithARetryFieldAndTheFinalChunk(Vertx vertx) throws Exception {
    BulwarkServer s = create(vertx, options(0).drainGrace(Duration.ofMillis(300)));
    Http.await(s.start());
    try (Socket socket = Http.connect(s.port())) {
      Http.write(socket, Http.get("/events"));
      ChunkedReader reader = new ChunkedReader(socket).readHead();
      reader.nextChunk();

      Future<Void> drained = s.drain();
      String rest = reader.readBody();

      assertThat(reader.ended()).isTrue();
      assertThat(rest).endsWith("retry: 1000\n\n");
      Http.await(drained);
    }
  }
}
