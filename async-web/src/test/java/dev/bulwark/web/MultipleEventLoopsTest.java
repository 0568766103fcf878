package dev.bulwark.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.net.Socket;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Several server instances (one per event loop) share one port, also when the port is 0. */
@ExtendWith(VertxExtension.class)
class MultipleEventLoopsTest {

  public static class Where {
    @NonBlocking
    @Get("/where")
    public String where() {
      return Thread.currentThread().getName();
    }

    @Get("/blocking")
    public String blocking() {
      return Thread.currentThread().getName();
    }
  }

  @ParameterizedTest(name = "eventLoops={0}")
  @ValueSource(ints = {1, 2})
  void portZero_isSharedByEveryInstance(int eventLoops, Vertx vertx) throws Exception {
    try (TestServer server = TestServer.start(vertx, o -> o.eventLoops(eventLoops), new Where())) {
      assertThat(server.port()).isGreaterThan(0);

      // Vert.x hands new connections to the instances in turn, so fresh connections reach
      // every instance's event loop.
      Set<String> loops = new HashSet<>();
      for (int i = 0; i < 4 * eventLoops; i++) {
        try (Socket socket = Http.connect(server.port())) {
          Http.write(socket, Http.get("/where"));
          Http.RawResponse response = Http.readResponse(socket);
          assertThat(response.status()).isEqualTo(200);
          loops.add(response.body());
        }
      }
      assertThat(loops).hasSize(eventLoops).allMatch(n -> n.matches("vert\\.x-eventloop-thread-\\d+"));

      assertThat(server.get("/blocking").body()).matches("bulwark-default-\\d+");
    }
  }

  @Test
  void probes_workOnEveryInstance(Vertx vertx) throws Exception {
    try (TestServer server = TestServer.start(vertx, o -> o.eventLoops(2), new Where())) {
      for (int i = 0; i < 4; i++) {
        try (Socket socket = Http.connect(server.port())) {
          Http.write(socket, Http.get("/ready"));
          assertThat(Http.readResponse(socket).status()).isEqualTo(200);
        }
      }
    }
  }
}
