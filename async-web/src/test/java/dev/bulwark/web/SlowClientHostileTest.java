package dev.bulwark.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Slowloris: sockets that send their headers a byte at a time, forever. The header-read deadline
 * answers each 408 and closes it, while normal requests beside them keep being answered; a
 * keep-alive connection that waits between requests is not cut by it (that is the idle timeout's
 * part).
 */
@ExtendWith(VertxExtension.class)
class SlowClientHostileTest {

  private static final int SLOWLORIS = 20;
  private static final byte[] DRIP =
      "GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n".getBytes(StandardCharsets.ISO_8859_1);
  private static final byte[] PAD = "X-Pad: 1\r\n".getBytes(StandardCharsets.ISO_8859_1);

  private TestServer server;
  private ScheduledExecutorService drip;
  private final List<Slow> slow = new ArrayList<>();

  @BeforeEach
  void start(Vertx vertx) {
    server = TestServer.start(vertx, o -> o.headerReadTimeout(Duration.ofSeconds(2)), new Hello());
    drip = Executors.newScheduledThreadPool(2);
  }

  @AfterEach
  void stop() throws IOException {
    drip.shutdownNow();
    for (Slow s : slow) {
      s.socket.close();
    }
    server.close();
  }

  public static class Hello {
    @Get("/hello")
    public String hello() {
      return "Hello";
    }
  }

  /** One slowloris socket: a byte every 100 ms, and a reader that keeps whatever comes back. */
  static final class Slow {
    final Socket socket;
    final AtomicBoolean closed = new AtomicBoolean();
    final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private long sent;

    Slow(Socket socket) {
      this.socket = socket;
    }

    void dripOne() {
      if (closed.get() || received.size() > 0) {
        return;
      }
      try {
        OutputStream out = socket.getOutputStream();
        long i = sent++;
        out.write(i < DRIP.length ? DRIP[(int) i] : PAD[(int) ((i - DRIP.length) % PAD.length)]);
        out.flush();
      } catch (IOException e) {
        closed.set(true);
      }
    }

    void readUntilClosed() {
      try {
        socket.setSoTimeout(0);
        InputStream in = socket.getInputStream();
        byte[] buf = new byte[1024];
        int n;
        while ((n = in.read(buf)) >= 0) {
          synchronized (received) {
            received.write(buf, 0, n);
          }
        }
      } catch (IOException e) {
        // reset: closed as well
      }
      closed.set(true);
    }

    String text() {
      synchronized (received) {
        return received.toString(StandardCharsets.ISO_8859_1);
      }
    }
  }

  // Its own wait (30 s) outlasts the 20 s default of junit-platform.properties.
  @Test
  @Timeout(60)
  void slowlorisSockets_areAnswered408AndClosed_whileNormalRequestsAreServed() throws Exception {
    Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
    for (int i = 0; i < SLOWLORIS; i++) {
      Slow s = new Slow(Http.connect(server.port()));
      slow.add(s);
      Thread reader = new Thread(s::readUntilClosed, "slowloris-reader-" + i);
      reader.setDaemon(true);
      reader.start();
      drip.scheduleAtFixedRate(s::dripOne, 0, 100, TimeUnit.MILLISECONDS);
    }

    // Legitimate traffic meanwhile, on fresh and on kept-alive connections.
    for (int i = 0; i < 50; i++) {
      HttpResponse<String> r = server.get("/hello");
      statuses.merge(r.statusCode(), 1, Integer::sum);
    }
    assertThat(statuses).as("statuses of the normal requests").containsOnlyKeys(200);

    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      long open = slow.stream().filter(s -> !s.closed.get()).count();
      assertThat(open).as("slowloris sockets still open").isZero();
    });
    long answered408 = slow.stream().filter(s -> s.text().startsWith("HTTP/1.1 408 ")).count();
    assertThat(answered408).as("slowloris sockets answered 408").isPositive();
    for (Slow s : slow) {
      String text = s.text();
      if (!text.isEmpty()) {
        assertThat(text).startsWith("HTTP/1.1 408 ").contains("application/json")
            .contains("Connection: close").endsWith("\"}");
      }
    }
    assertThat(server.get("/hello").statusCode()).isEqualTo(200);
  }

  // Its own wait (30 s) outlasts the 20 s default of junit-platform.properties.
  @Test
  @Timeout(60)
  void keptAliveConnectionWaitingForItsNextRequest_isNotCutByTheHeaderDeadline() throws Exception {
    try (Socket socket = Http.connect(server.port())) {
      Http.write(socket, Http.get("/hello"));
      assertThat(Http.readResponse(socket).status()).isEqualTo(200);
      // Wait on the server's own clock: a slowloris started now is cut by the deadline...
      Slow probe = new Slow(Http.connect(server.port()));
      slow.add(probe);
      Thread reader = new Thread(probe::readUntilClosed, "probe-reader");
      reader.setDaemon(true);
      reader.start();
      drip.scheduleAtFixedRate(probe::dripOne, 0, 100, TimeUnit.MILLISECONDS);
      await().atMost(Duration.ofSeconds(30)).until(probe.closed::get);
      // ...while this connection, idle between requests all that time, still serves.
      Http.write(socket, Http.get("/hello"));
      assertThat(Http.readResponse(socket).status()).isEqualTo(200);
    }
  }
}
