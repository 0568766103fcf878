package dev.bulwark.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import dev.bulwark.cache.Cached;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a client can send that the request path must refuse cleanly: each refusal is a JSON 400
 * (414, 431) answered at once, framing that could be read two ways closes the connection so that
 * nothing is smuggled through it, and the metrics record what was actually sent. Raw sockets, so
 * the bytes on the wire are exactly the ones under test.
 */
@ExtendWith(VertxExtension.class)
class RequestPathResilienceTest {

  private static TestServer server;
  private static volatile CompletableFuture<String> gate = new CompletableFuture<>();
  private static final AtomicInteger PENDING_CALLS = new AtomicInteger();

  public static class Routes {
    @Get("/hello")
    @NonBlocking
    public String hello() {
      return "Hello, World!";
    }

    @Get("/users")
    public Future<String> users(@QueryParam(value = "limit", defaultValue = "50") int limit) {
      return Future.succeededFuture("users " + limit);
    }

    @Get("/blocking")
    public String blocking(@QueryParam(value = "ms", defaultValue = "20") int ms) {
      return "slept " + ms;
    }

    @Get("/products/{id}/cached")
    @Cached(ttl = "60s")
    public Future<String> product(@PathParam("id") long id) {
      return Future.succeededFuture("product " + id);
    }

    @Get("/expensive")
    @Cached(ttl = "60s")
    public String expensive() {
      return "42";
    }

    @Get("/export")
    public Stream<String> export(@QueryParam(value = "rows", defaultValue = "3") int rows) {
      return Stream.of("a", "b", "c").limit(rows);
    }

    @Get("/pending")
    public CompletionStage<String> pending() {
      PENDING_CALLS.incrementAndGet();
      return gate;
    }

    /** An endless stream of lines, one at a time. */
    @Get("/ticks")
    @Streaming(format = StreamFormat.TEXT)
    public Stream<String> ticks() {
      return Stream.iterate(0, i -> i + 1).map(i -> "tick " + i);
    }

    @Post("/echo")
    public String echo(@Body String body) {
      return "echo " + body;
    }
  }

  @BeforeAll
  static void start(Vertx vertx) {
    server = TestServer.start(vertx, o -> o.maxInitialLineLength(256).maxHeaderSize(1024),
        new Routes());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static Socket connect() throws IOException {
    Socket s = Http.connect(server.port());
    s.setSoTimeout(3000);
    return s;
  }

  /** Reads one response and checks it is the JSON error with {@code status}. */
  private static Http.RawResponse expectJsonError(Socket socket, int status) throws IOException {
    Http.RawResponse r = Http.readResponse(socket);
    assertThat(r.status()).as(r.toString()).isEqualTo(status);
    assertThat(r.headers().get("content-type")).isEqualTo("application/json");
    assertThat(Http.json(r.body()).path("error").asText()).isNotBlank();
    return r;
  }

  /** Everything the server still sends until it closes (or 3 s pass). */
  private static String rest(Socket socket) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    InputStream in = socket.getInputStream();
    byte[] buf = new byte[1024];
    try {
      for (int n; (n = in.read(buf)) >= 0; ) {
        out.write(buf, 0, n);
      }
    } catch (SocketTimeoutException e) {
      return out.toString(StandardCharsets.ISO_8859_1) + "<still open>";
    } catch (SocketException e) {
      // reset: closed
    }
    return out.toString(StandardCharsets.ISO_8859_1);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"/users?limit=%zz", "/blocking?ms=%zz", "/products/7/cached?x=%",
      "/expensive?x=%", "/export?rows=%zz", "/products/%zz", "/hello?a=%4"})
  void malformedEscape_isA400JsonAtOnce_andTheConnectionServesTheNextRequest(String path)
      throws IOException {
    try (Socket s = connect()) {
      Http.write(s, Http.get(path) + Http.get("/hello"));

      expectJsonError(s, 400);
      Http.RawResponse next = Http.readResponse(s);
      assertThat(next.status()).isEqualTo(200);
      assertThat(next.body()).isEqualTo("Hello, World!");
    }
  }

  /** Each is refused with 400 and a closed connection; the body is never read as a request. */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {
      "Transfer-Encoding: gzip",
      "Transfer-Encoding: identity",
      "Transfer-Encoding: ",
      "Transfer-Encoding: chunked, identity",
      "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked",
      "Content-Length: 5\r\nTransfer-Encoding: gzip"})
  void ambiguousFraming_is400_andClosesTheConnection_withoutASmuggledRequest(String headers)
      throws IOException {
    String smuggled = "GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    try (Socket s = connect()) {
      Http.write(s, "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
          + headers + "\r\n\r\n" + smuggled);

      expectJsonError(s, 400);
      assertThat(rest(s)).isEmpty();
    }
  }

  /**
   * {@code Content-Length} with chunked framing, behind a first request on the same connection
   * (the first request of a connection is read before the strict decoder is in place).
   */
  @Test
  void contentLengthWithChunked_onAKeptAliveConnection_is400_andCloses() throws IOException {
    try (Socket s = connect()) {
      Http.write(s, Http.get("/hello"));
      assertThat(Http.readResponse(s).status()).isEqualTo(200);

      Http.write(s, "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
          + "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + Http.get("/hello"));

      expectJsonError(s, 400);
      assertThat(rest(s)).isEmpty();
    }
  }

  @Test
  void pipelinedRequests_afterTheDecoderSwap_areAllServed() throws IOException {
    try (Socket s = connect()) {
      Http.write(s, Http.get("/hello") + "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain\r\n"
          + "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n" + Http.get("/users?limit=3"));

      assertThat(Http.readResponse(s).body()).isEqualTo("Hello, World!");
      assertThat(Http.readResponse(s).body()).isEqualTo("echo abc");
      assertThat(Http.readResponse(s).body()).isEqualTo("users 3");
    }
  }

  /** A broken chunk: a JSON 400 and the close, never a silent close; nothing after it is read. */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"zz\r\nhello\r\n0\r\n\r\n", "5\r\nhelloXX0\r\n\r\n",
      "-1\r\nhello\r\n0\r\n\r\n"})
  void malformedChunk_is400Json_andClosesTheConnection(String body) throws IOException {
    try (Socket s = connect()) {
      Http.write(s, "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
          + "Transfer-Encoding: chunked\r\n\r\n" + body + Http.get("/hello"));

      expectJsonError(s, 400);
      assertThat(rest(s)).isEmpty();
    }
  }

  @Test
  void obsFoldInTransferEncoding_is400_andClosesTheConnection() throws IOException {
    try (Socket s = connect()) {
      Http.write(s, "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
          + "Transfer-Encoding: chunked\r\n identity\r\n\r\n0\r\n\r\n" + Http.get("/hello"));

      expectJsonError(s, 400);
      assertThat(rest(s)).isEmpty();
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"missing", "twice", "space", "slash"})
  void badHost_is400_andClosesTheConnection(String kind) throws IOException {
    String host = switch (kind) {
      case "missing" -> "";
      case "twice" -> "Host: a.example\r\nHost: b.example\r\n";
      case "space" -> "Host: a example\r\n";
      default -> "Host: a.example/x\r\n";
    };
    try (Socket s = connect()) {
      Http.write(s, "GET /hello HTTP/1.1\r\n" + host + "\r\n");

      expectJsonError(s, 400);
      assertThat(rest(s)).isEmpty();
    }
  }

  @Test
  void refusals_areCountedByTheStatusSent() throws IOException {
    long before400 = count("refused", "400");
    long before431 = count("refused", "431");
    try (Socket s = connect()) {
      Http.write(s, "GET /hello HTTP/1.1\r\n\r\n");
      expectJsonError(s, 400);
    }
    try (Socket s = connect()) {
      Http.write(s, "GET /hello HTTP/1.1\r\nHost: h\r\nX-Big: " + "b".repeat(2000) + "\r\n\r\n");
      expectJsonError(s, 431);
    }

    assertThat(count("refused", "400")).isEqualTo(before400 + 1);
    assertThat(count("refused", "431")).isEqualTo(before431 + 1);
  }

  @Test
  void goodHosts_areAccepted() throws IOException {
    for (String host : new String[] {"127.0.0.1", "127.0.0.1:8080", "[::1]:80", "shop.example"}) {
      try (Socket s = connect()) {
        Http.write(s, "GET /hello HTTP/1.1\r\nHost: " + host + "\r\n\r\n");

        assertThat(Http.readResponse(s).status()).as(host).isEqualTo(200);
      }
    }
  }

  @Test
  void http10WithoutHost_isServed() throws IOException {
    try (Socket s = connect()) {
      Http.write(s, "GET /hello HTTP/1.0\r\n\r\n");

      assertThat(Http.readResponse(s).body()).isEqualTo("Hello, World!");
    }
  }

  @Test
  void unknownVersion_isAJsonError_thatDoesNotEchoTheVersion() throws IOException {
    try (Socket s = connect()) {
      Http.write(s, "GET /hello HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n");

      Http.RawResponse r = Http.readResponse(s);
      assertThat(r.status()).isIn(400, 505);
      assertThat(Http.json(r.body()).path("error").asText()).isNotBlank();
      assertThat(rest(s)).doesNotContain("9.9");
    }
  }

  @Test
  void tooLongRequestLine_is414Json() throws IOException {
    try (Socket s = connect()) {
      Http.write(s, Http.get("/hello?x=" + "a".repeat(400)));

      expectJsonError(s, 414);
    }
  }

  @Test
  void tooLargeHeaders_is431Json() throws IOException {
    try (Socket s = connect()) {
      Http.write(s, "GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + "b".repeat(2000) + "\r\n\r\n");

      expectJsonError(s, 431);
    }
  }

  @Test
  void malformedRequestLine_is400Json() throws IOException {
    try (Socket s = connect()) {
      Http.write(s, "GET\r\nHost: 127.0.0.1\r\n\r\n");

      expectJsonError(s, 400);
    }
  }

  /**
   * A client that half-closes after its request is taken as gone (Netty closes the connection,
   * as most such clients have left): its asynchronous route's answer is never sent, and the
   * metrics must say so instead of recording a 200.
   */
  @Test
  void halfClosedClient_isRecordedAsClientClosed_notAs200() throws Exception {
    gate = new CompletableFuture<>();
    long before = count("/pending", "499");
    try (Socket s = connect()) {
      Http.write(s, Http.get("/pending"));
      await().atMost(Duration.ofSeconds(5)).until(() -> PENDING_CALLS.get() == 1);
      s.shutdownOutput();

      await().atMost(Duration.ofSeconds(5)).until(() -> count("/pending", "499") == before + 1);
    }
    gate.complete("late");
    // Served after the completion above on the one event loop: its effects are visible now.
    assertThat(server.get("/hello").statusCode()).isEqualTo(200);
    assertThat(count("/pending", "200")).isZero();
  }

  /** A streamed response whose client half-closes is cut at once (its client has gone). */
  @Test
  void halfClosedClient_ofAStream_isClosed_andRecordedAsClientClosed() throws Exception {
    long before = count("/ticks", "499");
    try (Socket s = connect()) {
      Http.write(s, Http.get("/ticks"));
      assertThat(new String(s.getInputStream().readNBytes(15), StandardCharsets.ISO_8859_1))
          .isEqualTo("HTTP/1.1 200 OK");
      s.shutdownOutput();

      assertThat(rest(s)).doesNotContain("<still open>");
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> count("/ticks", "499") == before + 1);
  }

  private static long count(String route, String status) {
    Timer t = server.server().meterRegistry().find("http.server.requests")
        .tags("route", route, "status", status).timer();
    return t == null ? 0 : t.count();
  }
}
