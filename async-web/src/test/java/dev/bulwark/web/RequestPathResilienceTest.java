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
   * {@code Content-Length} with chunked framing (RFC 9112, section 6.3), on a connection's first
   * request and behind a first request, with the request split at each byte of the h2c preface
   * check: 400 and the close, never a second request read from the body.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"first", "kept-alive", "first, split", "first, byte by byte"})
  void contentLengthWithChunked_is400_andCloses_fromTheFirstRequestOn(String kind)
      throws Exception {
    String request = "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
        + "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + Http.get("/hello");
    try (Socket s = connect()) {
      s.setTcpNoDelay(true);
      if (kind.equals("kept-alive")) {
        Http.write(s, Http.get("/hello"));
        assertThat(Http.readResponse(s).status()).isEqualTo(200);
      }
      if (kind.equals("first, split")) {
        Http.write(s, request.substring(0, 2));
        Http.write(s, request.substring(2));
      } else if (kind.equals("first, byte by byte")) {
        // The header block byte by byte; then the body and the pipelined request at once. The
        // server may have answered and closed on the block's last byte: a write after that can
        // meet the reset, and the answer below is what is checked.
        int headEnd = request.indexOf("\r\n\r\n") + 4;
        for (char c : request.substring(0, headEnd).toCharArray()) {
          Http.write(s, String.valueOf(c));
        }
        try {
          Http.write(s, request.substring(headEnd));
        } catch (java.net.SocketException closedAlready) {
          // Nothing past the header block was needed for the 400.
        }
      } else {
        Http.write(s, request);
      }

      expectJsonError(s, 400);
      assertThat(rest(s)).isEmpty();
    }
  }

  /**
   * RFC 9112, section 7.1: a chunk size is {@code 1*HEXDIG}; whitespace may stand only before a
   * {@code ;} that starts an extension (BWS, section 7.1.1).
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"5 \r\nhello\r\n0\r\n\r\n", " 5\r\nhello\r\n0\r\n\r\n",
      "5\t\r\nhello\r\n0\r\n\r\n", "5 x\r\nhello\r\n0\r\n\r\n",
      "5\r\nhello\r\n0 \r\n\r\n", "5\r\nhello\r\n 0\r\n\r\n"})
  void chunkSizeWithStrayWhitespace_is400Json_andCloses(String body) throws IOException {
    for (boolean first : new boolean[] {true, false}) {
      try (Socket s = connect()) {
        if (!first) {
          Http.write(s, Http.get("/hello"));
          assertThat(Http.readResponse(s).status()).isEqualTo(200);
        }
        Http.write(s, "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
            + "Transfer-Encoding: chunked\r\n\r\n" + body + Http.get("/hello"));

        assertThat(Http.json(expectJsonError(s, 400).body()).path("error").asText())
            .startsWith("malformed chunk size");
        assertThat(rest(s)).as("first=" + first).isEmpty();
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"5 ;ext\r\nhello\r\n0\r\n\r\n", "5\t;a=b\r\nhello\r\n0\r\n\r\n",
      "5;a=\"b\"\r\nhello\r\n0 ;x\r\n\r\n", "3\r\nhel\r\n2\r\nlo\r\n0\r\nX-Trailer: t\r\n\r\n"})
  void chunkSizeWithAnExtensionAfterBws_isAccepted(String body) throws IOException {
    try (Socket s = connect()) {
      Http.write(s, "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
          + "Transfer-Encoding: chunked\r\n\r\n" + body + Http.get("/hello"));

      assertThat(Http.readResponse(s).body()).isEqualTo("echo hello");
      assertThat(Http.readResponse(s).body()).isEqualTo("Hello, World!");
    }
  }

  @Test
  void brokenChunk_isRecordedAsThe400Sent() throws IOException {
    long before400 = count("refused", "400") + count("/echo", "400");
    long before499 = count("/echo", "499");
    try (Socket s = connect()) {
      Http.write(s, "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
          + "Transfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n0\r\n\r\n");
      expectJsonError(s, 400);
      assertThat(rest(s)).isEmpty();
    }

    await().atMost(Duration.ofSeconds(5))
        .until(() -> count("refused", "400") + count("/echo", "400") == before400 + 1);
    assertThat(count("/echo", "499")).isEqualTo(before499);
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

  /** The guard remembers the last valid Host it saw; that memo must never wave a bad one through. */
  @ParameterizedTest(name = "Host: [{0}]")
  @ValueSource(strings = {"", "a example", "h/x", "127.0.0.1:80x"})
  void aBadHost_afterAGoodOneOnTheSameConnection_isStill400(String bad) throws IOException {
    try (Socket s = connect()) {
      Http.write(s, "GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      assertThat(Http.readResponse(s).status()).isEqualTo(200);
      Http.write(s, "GET /hello HTTP/1.1\r\nHost: " + bad + "\r\n\r\n");

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
   * A client that half-closes after a complete request (RFC 9112, section 9.6 lets it) still gets
   * its answer, then the connection closes; the metrics record the 200 that was sent.
   */
  @Test
  void halfClosedClient_getsTheAnswerOfAnAsynchronousRoute_thenTheClose() throws Exception {
    gate = new CompletableFuture<>();
    int calls = PENDING_CALLS.get();
    long before200 = count("/pending", "200");
    long before499 = count("/pending", "499");
    try (Socket s = connect()) {
      Http.write(s, Http.get("/pending"));
      await().atMost(Duration.ofSeconds(5)).until(() -> PENDING_CALLS.get() == calls + 1);
      s.shutdownOutput();
      // Whether the FIN or the completion reaches the server first, the answer must come.
      gate.complete("late");

      Http.RawResponse r = Http.readResponse(s);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("late");
      assertThat(rest(s)).isEmpty();
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> count("/pending", "200") == before200 + 1);
    assertThat(count("/pending", "499")).isEqualTo(before499);
  }

  /** The same for pipelined requests and a body route: every request read is answered, in order. */
  @Test
  void halfClosedClient_getsEveryPipelinedAnswer_thenTheClose() throws Exception {
    try (Socket s = connect()) {
      Http.write(s, Http.get("/blocking?ms=5") + "POST /echo HTTP/1.1\r\nHost: h\r\n"
          + "Content-Type: text/plain\r\nContent-Length: 3\r\n\r\nabc" + Http.get("/users?limit=2"));
      s.shutdownOutput();

      assertThat(Http.readResponse(s).body()).isEqualTo("slept 5");
      assertThat(Http.readResponse(s).body()).isEqualTo("echo abc");
      assertThat(Http.readResponse(s).body()).isEqualTo("users 2");
      assertThat(rest(s)).isEmpty();
    }
  }

  /**
   * A FIN while a stream is under way cannot be told from a client that left (TCP does not say):
   * the stream is cut at once and recorded as such.
   */
  @Test
  void halfClosedClient_ofAStreamUnderWay_isClosed_andRecordedAsClientClosed() throws Exception {
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

  /** A half-close with nothing due closes the connection at once. */
  @Test
  void halfCloseBetweenRequests_closesTheConnection() throws Exception {
    try (Socket s = connect()) {
      Http.write(s, Http.get("/hello"));
      assertThat(Http.readResponse(s).status()).isEqualTo(200);
      s.shutdownOutput();

      assertThat(rest(s)).isEmpty();
    }
  }

  private static long count(String route, String status) {
    Timer t = server.server().meterRegistry().find("http.server.requests")
        .tags("route", route, "status", status).timer();
    return t == null ? 0 : t.count();
  }
}
