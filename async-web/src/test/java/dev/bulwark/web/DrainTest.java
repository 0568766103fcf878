package dev.bulwark.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.net.ConnectException;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Graceful drain: readiness turns 503, new requests are turned away with {@code Connection:
 * close}, in-flight requests finish, then the port closes and the state is STOPPED; a request
 * that outlives the drain grace does not hold the drain up.
 */
@ExtendWith(VertxExtension.class)
class DrainTest {

  private final Gate gate = new Gate();
  private TestServer server;

  @AfterEach
  void stop() {
    gate.release.countDown();
    if (server != null) {
      server.close();
    }
  }

  private void start(Vertx vertx, UnaryOperator<ServerOptions.Builder> options) {
    server = TestServer.start(vertx, options, gate);
  }

  public static class Gate {
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    @Get("/hold")
    public String hold() throws InterruptedException {
      entered.countDown();
      return release.await(10, TimeUnit.SECONDS) ? "released" : "timed out";
    }

    @Get("/hello")
    public String hello() {
      return "hello";
    }

    @Post("/echo")
    public String echo(@Body String body) {
      return body;
    }
  }

  /**
   * The port refuses connections. Vert.x completes closing a server just before the listening
   * socket is closed on its acceptor thread, so a connect right after the drain may still land
   * in the backlog (and be reset); wait for the refusal instead.
   */
  private static void assertPortClosed(int port) {
    await().atMost(Http.TIMEOUT).untilAsserted(() ->
        assertThatThrownBy(() -> Http.connect(port).close()).isInstanceOf(ConnectException.class));
  }

  private CompletableFuture<HttpResponse<String>> holdOneRequest() throws InterruptedException {
    CompletableFuture<HttpResponse<String>> held =
        Http.sendAsync(server.client(), server.request("/hold").build());
    assertThat(gate.entered.await(5, TimeUnit.SECONDS)).as("request reached the handler").isTrue();
    return held;
  }

  // Its own waits (5 + 5 + 5 + 5 s and the reads) may outlast the 20 s default of
  // junit-platform.properties on a loaded machine.
  @Test
  @Timeout(60)
  void drain_turnsNewRequestsAwayThenFinishesInFlightAndStops(Vertx vertx) throws Exception {
    // A grace well past the socket read below (5 s), so a connection left open shows as such.
    start(vertx, o -> o.drainGrace(Duration.ofSeconds(10)));
    int port = server.port();
    // A held request with one pipelined behind it: its connection is busy, so the drain does not
    // close it as idle, and the pipelined request is read after the drain began.
    Socket kept = Http.connect(port);
    Http.write(kept, Http.get("/hold") + Http.get("/hello"));
    assertThat(gate.entered.await(5, TimeUnit.SECONDS)).as("request reached the handler").isTrue();

    Future<Void> drained = server.server().drain();

    assertThat(server.server().state()).isEqualTo(ServerState.DRAINING);
    assertThat(server.server().drain()).as("drain again returns the same future").isSameAs(drained);
    assertPortClosed(port);
    assertThat(drained.isComplete()).as("drain waits for the in-flight request").isFalse();

    gate.release.countDown();
    try (Socket socket = kept) {
      Http.RawResponse first = Http.readResponse(socket);
      assertThat(first.status()).isEqualTo(200);
      assertThat(first.body()).isEqualTo("released");
      Http.RawResponse turnedAway = Http.readResponse(socket);
      assertThat(turnedAway.status()).isEqualTo(503);
      assertThat(turnedAway.headers()).containsEntry("connection", "close");
      assertThat(Integer.parseInt(turnedAway.headers().get("retry-after"))).isGreaterThanOrEqualTo(1);
      assertThat(turnedAway.headers()).containsEntry("content-type", "application/json");
      assertThat(Http.json(turnedAway.body()).path("error").asText()).contains("draining");
      socket.setSoTimeout(5000);
      assertThat(Http.closedByServer(socket)).as("connection closed after the 503").isTrue();
    }

    Http.await(drained);
    assertThat(server.server().state()).isEqualTo(ServerState.STOPPED);
    assertPortClosed(port);
  }

  @Test
  void drain_turnsAwayBodyRequestsWithoutReadingThem(Vertx vertx) throws Exception {
    start(vertx, UnaryOperator.identity());
    Socket opened = Http.connect(server.port());
    Http.write(opened, Http.get("/hold") + "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
        + "Content-Length: 5\r\n\r\nhello");
    assertThat(gate.entered.await(5, TimeUnit.SECONDS)).isTrue();
    Future<Void> drained = server.server().drain();
    gate.release.countDown();

    try (Socket socket = opened) {
      assertThat(Http.readResponse(socket).status()).isEqualTo(200);
      Http.RawResponse turnedAway = Http.readResponse(socket);
      assertThat(turnedAway.status()).isEqualTo(503);
      assertThat(turnedAway.headers()).containsEntry("connection", "close");
      assertThat(turnedAway.headers()).containsKey("retry-after");
    }
    Http.await(drained);
  }

  @Test
  void drain_overHttp2_servesNoNewRequestAndStops(Vertx vertx) throws Exception {
    start(vertx, UnaryOperator.identity());
    // Plain-text HTTP/2 by prior knowledge (the server answers an h2c upgrade request over
    // HTTP/1.1, see H2cUpgradeTest). The drain closes the port and sends GOAWAY: the held stream
    // finishes, a new request is refused (503) or cannot connect.
    io.vertx.core.http.HttpClient h2 = vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions()
        .setProtocolVersion(io.vertx.core.http.HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false)
        .setDefaultHost("127.0.0.1").setDefaultPort(server.port()));
    assertThat(Http.await(h2get(h2, "/hello")).version())
        .isEqualTo(io.vertx.core.http.HttpVersion.HTTP_2);
    Future<io.vertx.core.http.HttpClientResponse> held = h2get(h2, "/hold");
    assertThat(gate.entered.await(5, TimeUnit.SECONDS)).isTrue();
    Future<Void> drained = server.server().drain();

    Object outcome = Http.await(h2get(h2, "/hello")
        .<Object>map(io.vertx.core.http.HttpClientResponse::statusCode)
        .otherwise(e -> e));
    assertThat(outcome).as("a request after the drain began is not served").isNotEqualTo(200);
    if (outcome instanceof Integer) {
      assertThat(outcome).isEqualTo(503);
    }
    gate.release.countDown();
    assertThat(Http.await(held).statusCode()).as("the held stream finishes").isEqualTo(200);
    Http.await(drained);
    h2.close();
    assertThat(server.server().state()).isEqualTo(ServerState.STOPPED);
  }

  private static Future<io.vertx.core.http.HttpClientResponse> h2get(
      io.vertx.core.http.HttpClient client, String path) {
    return client.request(io.vertx.core.http.HttpMethod.GET, path)
        .compose(request -> request.send())
        .compose(response -> response.body().map(body -> response));
  }

  @Test
  void drain_runsClosersInOrderAfterThePools(Vertx vertx) {
    start(vertx, UnaryOperator.identity());
    List<String> closed = new CopyOnWriteArrayList<>();
    server.server()
        .onDrained(() -> {
          closed.add("db:" + server.server().pool("default").submit(() -> "late").failed());
          return Future.succeededFuture();
        })
        .onDrained(() -> {
          throw new IllegalStateException("closer broke");
        })
        .onDrained(() -> Future.failedFuture("cache close failed"))
        .onDrained(() -> vertx.timer(5).onSuccess(t -> closed.add("cache")));

    Http.await(server.server().drain());

    assertThat(closed).as("a failing closer does not stop the others").containsExactly("db:true", "cache");
    assertThat(server.server().state()).isEqualTo(ServerState.STOPPED);
  }

  @Test
  void drain_completesAfterTheGraceEvenIfARequestStillBlocks(Vertx vertx) throws Exception {
    start(vertx, o -> o.drainGrace(Duration.ofMillis(200)));
    int port = server.port();
    holdOneRequest();

    Http.await(server.server().drain());

    assertThat(gate.release.getCount()).as("the handler was never released").isEqualTo(1);
    assertThat(server.server().state()).isEqualTo(ServerState.STOPPED);
    assertPortClosed(port);
  }

  @Test
  void drain_withNothingInFlight_stopsAndClosesThePools(Vertx vertx) {
    start(vertx, UnaryOperator.identity());
    int port = server.port();
    assertThat(server.get("/hello").body()).isEqualTo("hello");

    Http.await(server.server().drain());

    assertThat(server.server().state()).isEqualTo(ServerState.STOPPED);
    assertPortClosed(port);
    assertThat(server.server().pool("default").submit(() -> "late").failed())
        .as("a drained server's pools admit nothing").isTrue();
  }
}
