package dev.bulwark.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.net.Socket;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Connection and request-head limits, seen from raw sockets so the test decides exactly which
 * connections are open: {@code maxConnections}, {@code maxHeaderSize},
 * {@code maxInitialLineLength} and {@code idleTimeout}.
 */
@ExtendWith(VertxExtension.class)
class ConnectionLimitsTest {

  public static class Hello {
    @NonBlocking
    @Get("/hello")
    public String hello() {
      return "hello";
    }
  }

  private static Http.RawResponse exchange(Socket socket, String path) throws Exception {
    Http.write(socket, Http.get(path));
    return Http.readResponse(socket);
  }

  @Test
  void maxConnections_closesTheConnectionOverTheLimit(Vertx vertx) throws Exception {
    try (TestServer server = TestServer.start(vertx, o -> o.maxConnections(2), new Hello());
        Socket second = Http.connect(server.port())) {
      try (Socket first = Http.connect(server.port())) {
        // A full exchange on each proves the server has accepted and counted both.
        assertThat(exchange(first, "/hello").body()).isEqualTo("hello");
        assertThat(exchange(second, "/hello").body()).isEqualTo("hello");

        try (Socket third = Http.connect(server.port())) {
          // Vert.x hands the server a connection once its first bytes tell HTTP/1.1 from h2c,
          // so the limit applies from the first request: closed, never answered.
          Http.write(third, Http.get("/hello"));
          assertThat(Http.closedByServer(third)).as("third connection closed unanswered").isTrue();
        }
        assertThat(exchange(first, "/hello").status()).as("the first two still work").isEqualTo(200);
        assertThat(exchange(second, "/hello").status()).isEqualTo(200);
      }

      // The server sees the close asynchronously; until then a new connection may be refused.
      await().atMost(Http.TIMEOUT).ignoreExceptions().untilAsserted(() -> {
        try (Socket again = Http.connect(server.port())) {
          assertThat(exchange(again, "/hello").body()).isEqualTo("hello");
        }
      });
    }
  }

  static Stream<Arguments> oversizedHeads() {
    return Stream.of(
        Arguments.of("headers over maxHeaderSize",
            "GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + "a".repeat(4096) + "\r\n\r\n", 431),
        Arguments.of("request line over maxInitialLineLength",
            "GET /hello?q=" + "b".repeat(2048) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 414));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("oversizedHeads")
  void oversizedRequestHead_isRefusedWith4xx(String what, String request, int status, Vertx vertx)
      throws Exception {
    try (TestServer server = TestServer.start(vertx,
        o -> o.maxHeaderSize(1024).maxInitialLineLength(512), new Hello());
        Socket socket = Http.connect(server.port())) {
      Http.write(socket, request);

      Http.RawResponse response = Http.readResponse(socket);

      assertThat(response.status()).isEqualTo(status);
      assertThat(server.get("/hello").statusCode()).as("normal requests still pass").isEqualTo(200);
    }
  }

  @Test
  void headersWithinMaxHeaderSize_pass(Vertx vertx) throws Exception {
    try (TestServer server = TestServer.start(vertx, o -> o.maxHeaderSize(1024), new Hello());
        Socket socket = Http.connect(server.port())) {
      Http.write(socket, "GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Small: " + "a".repeat(512)
          + "\r\n\r\n");

      assertThat(Http.readResponse(socket).status()).isEqualTo(200);
    }
  }

  @Test
  void idleConnection_isClosedAfterIdleTimeout(Vertx vertx) throws Exception {
    try (TestServer server = TestServer.start(vertx, o -> o.idleTimeout(Duration.ofSeconds(1)),
        new Hello());
        Socket socket = Http.connect(server.port())) {
      assertThat(exchange(socket, "/hello").status()).isEqualTo(200);

      // Blocks until the server closes the idle connection (the read timeout is far longer).
      assertThat(Http.closedByServer(socket)).isTrue();
    }
  }
}
