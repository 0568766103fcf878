package dev.bulwark.core.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The fault proxy's faults, against a loopback echo server. */
class FaultProxyTest {

  private ServerSocket echo;
  /** Bytes each connection to the echo server received, when it ended (-1 for a reset). */
  private final BlockingQueue<Long> received = new LinkedBlockingQueue<>();

  @BeforeEach
  void startEcho() throws IOException {
    echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread t = new Thread(() -> {
      while (!echo.isClosed()) {
        try {
          Socket s = echo.accept();
          Thread p = new Thread(() -> {
            long n = 0;
            try (s) {
              n = s.getInputStream().transferTo(s.getOutputStream());
            } catch (IOException ignored) {
              n = -1; // The proxy reset the connection.
            }
            received.add(n);
          });
          p.setDaemon(true);
          p.start();
        } catch (IOException e) {
          return;
        }
      }
    });
    t.setDaemon(true);
    t.start();
  }

  @AfterEach
  void stopEcho() throws IOException {
    echo.close();
  }

  @Test
  void forwardsBothWays_withLatencyToo() throws Exception {
    try (FaultProxy proxy = FaultProxy.start("127.0.0.1", echo.getLocalPort());
        Socket s = connect(proxy)) {
      assertThat(roundTrip(s, "ping")).isEqualTo("ping");
      proxy.latency(Duration.ofMillis(5));
      assertThat(roundTrip(s, "slow")).isEqualTo("slow");
    }
  }

  @Test
  void blackhole_forwardsNothing_restoreForwardsAgain() throws Exception {
    try (FaultProxy proxy = FaultProxy.start("127.0.0.1", echo.getLocalPort())) {
      proxy.blackhole();
      try (Socket s = connect(proxy)) {
        s.getOutputStream().write("lost".getBytes(StandardCharsets.US_ASCII));
        s.shutdownOutput();
        assertThat(s.getInputStream().read()).isEqualTo(-1);
      }
      assertThat(received.poll(10, TimeUnit.SECONDS)).as("bytes the server received").isZero();
      proxy.restore();
      try (Socket s = connect(proxy)) {
        assertThat(roundTrip(s, "b")).isEqualTo("b");
      }
    }
  }

  @Test
  void reset_abortsOpenAndNewConnections() throws Exception {
    try (FaultProxy proxy = FaultProxy.start("127.0.0.1", echo.getLocalPort());
        Socket s = connect(proxy)) {
      assertThat(roundTrip(s, "a")).isEqualTo("a");
      proxy.reset();
      assertThatThrownBy(() -> s.getInputStream().read()).isInstanceOf(SocketException.class);
      try (Socket again = connect(proxy)) {
        assertThatThrownBy(() -> again.getInputStream().read()).isInstanceOf(SocketException.class);
      }
      proxy.restore();
      try (Socket fresh = connect(proxy)) {
        assertThat(roundTrip(fresh, "c")).isEqualTo("c");
      }
    }
  }

  @Test
  void cut_closesOpenAndNewConnections_restoreForwardsAgain() throws Exception {
    try (FaultProxy proxy = FaultProxy.start("127.0.0.1", echo.getLocalPort());
        Socket s = connect(proxy)) {
      assertThat(roundTrip(s, "a")).isEqualTo("a");
      proxy.cut();
      assertThat(s.getInputStream().read()).isEqualTo(-1);
      try (Socket again = connect(proxy)) {
        assertThat(again.getInputStream().read()).isEqualTo(-1);
      }
      proxy.restore();
      try (Socket fresh = connect(proxy)) {
        assertThat(roundTrip(fresh, "d")).isEqualTo("d");
      }
      assertThat(proxy.acceptedConnections()).isEqualTo(3);
    }
  }

  @Test
  void slowClose_stillDeliversTheClose() throws Exception {
    try (FaultProxy proxy = FaultProxy.start("127.0.0.1", echo.getLocalPort());
        Socket s = connect(proxy)) {
      proxy.slowClose(Duration.ofMillis(50));
      assertThat(roundTrip(s, "e")).isEqualTo("e");
      s.shutdownOutput();
      assertThat(s.getInputStream().read()).isEqualTo(-1);
    }
  }

  private static Socket connect(FaultProxy proxy) throws IOException {
    Socket s = new Socket(proxy.host(), proxy.port());
    s.setSoTimeout(10_000);
    return s;
  }

  private static String roundTrip(Socket s, String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
    s.getOutputStream().write(bytes);
    s.getOutputStream().flush();
    InputStream in = s.getInputStream();
    StringBuilder sb = new StringBuilder();
    byte[] buf = new byte[64];
    while (!sb.toString().endsWith(text)) {
      int n = in.read(buf);
      if (n < 0) {
        break;
      }
      sb.append(new String(buf, 0, n, StandardCharsets.US_ASCII));
    }
    return sb.toString();
  }
}
