package dev.bulwark.core.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback TCP proxy in front of a real server (PostgreSQL, Redis), for the faults a server
 * cannot be made to produce by itself. Shared by the modules' tests through core's test jar.
 *
 * <ul>
 *   <li>{@link #latency(Duration)}: every chunk is forwarded that much later, both ways;
 *   <li>{@link #blackhole()}: connections stay open but nothing is forwarded any more (bytes are
 *       read and dropped), and new ones are accepted and stay silent: a hung server or a
 *       partitioned network;
 *   <li>{@link #reset()}: every connection is aborted with a TCP RST, and new ones too;
 *   <li>{@link #cut()}: every connection is closed (FIN) and new ones are closed at once;
 *   <li>{@link #slowClose(Duration)}: when one side closes, the other side sees it only that much
 *       later (a peer that lingers on close);
 *   <li>{@link #restore()}: forwards new connections and chunks normally again.
 * </ul>
 *
 * <p>Implementation note: one acceptor thread, and two pump threads per connection copying bytes
 * each way; the mode is read by the pumps before each chunk, so a fault applies to connections
 * already open. The sleeps here are the injected faults themselves, never synchronization.
 * Thread-safe.
 */
public final class FaultProxy implements AutoCloseable {

  private enum Mode { FORWARD, BLACKHOLE, RESET, CUT }

  private final String targetHost;
  private final int targetPort;
  private final ServerSocket server;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private final AtomicLong accepted = new AtomicLong();
  private volatile Mode mode = Mode.FORWARD;
  private volatile long latencyNanos;
  private volatile long slowCloseNanos;

  private FaultProxy(String targetHost, int targetPort) throws IOException {
    this.targetHost = targetHost;
    this.targetPort = targetPort;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::acceptLoop, "fault-proxy-accept-" + server.getLocalPort());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** A proxy on a free loopback port forwarding to {@code targetHost:targetPort}. */
  public static FaultProxy start(String targetHost, int targetPort) throws IOException {
    return new FaultProxy(targetHost, targetPort);
  }

  /** The loopback port clients connect to. */
  public int port() {
    return server.getLocalPort();
  }

  /** The address clients connect to, {@code 127.0.0.1}. */
  public String host() {
    return server.getInetAddress().getHostAddress();
  }

  /** Connections accepted so far (including those refused, reset or blackholed). */
  public long acceptedConnections() {
    return accepted.get();
  }

  /** Delays every chunk by {@code delay} (zero for none), both ways; keeps the current mode. */
  public void latency(Duration delay) {
    latencyNanos = delay.toNanos();
  }

  /** Forwards nothing from now on; connections stay open until {@link #restore()} or close. */
  public void blackhole() {
    mode = Mode.BLACKHOLE;
  }

  /** Aborts every connection with a TCP RST, and every new one until {@link #restore()}. */
  public void reset() {
    mode = Mode.RESET;
    for (Socket s : sockets) {
      abort(s);
    }
    sockets.clear();
  }

  /** Closes every connection and refuses new ones (accepted and closed) until {@link #restore()}. */
  public void cut() {
    mode = Mode.CUT;
    for (Socket s : sockets) {
      closeQuietly(s);
    }
    sockets.clear();
  }

  /** When one side closes, closes the other only {@code delay} later (zero: at once). */
  public void slowClose(Duration delay) {
    slowCloseNanos = delay.toNanos();
  }

  /** Forwards again, without latency or slow close. Bytes dropped by a blackhole stay dropped. */
  public void restore() {
    latencyNanos = 0;
    slowCloseNanos = 0;
    mode = Mode.FORWARD;
  }

  @Override
  public void close() {
    closeQuietly(server);
    cut();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return;
      }
      accepted.incrementAndGet();
      Mode now = mode;
      if (now == Mode.CUT) {
        closeQuietly(client);
        continue;
      }
      if (now == Mode.RESET) {
        abort(client);
        continue;
      }
      Socket upstream = new Socket();
      try {
        upstream.connect(new InetSocketAddress(targetHost, targetPort), 2000);
      } catch (IOException e) {
        closeQuietly(client);
        closeQuietly(upstream);
        continue;
      }
      sockets.add(client);
      sockets.add(upstream);
      // A cut() or reset() that ran between the check above and the adds has not seen these two.
      if (mode == Mode.CUT || mode == Mode.RESET) {
        abort(client);
        abort(upstream);
        continue;
      }
      pump(client, upstream);
      pump(upstream, client);
    }
  }

  private void pump(Socket from, Socket to) {
    Thread t = new Thread(() -> {
      byte[] buffer = new byte[16 * 1024];
      try {
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        int n;
        while ((n = in.read(buffer)) >= 0) {
          long delay = latencyNanos;
          if (delay > 0) {
            TimeUnit.NANOSECONDS.sleep(delay);
          }
          if (mode == Mode.BLACKHOLE) {
            continue;
          }
          out.write(buffer, 0, n);
          out.flush();
        }
        long linger = slowCloseNanos;
        if (linger > 0) {
          TimeUnit.NANOSECONDS.sleep(linger);
        }
      } catch (IOException ignored) {
        // The other side, reset() or cut() closed a socket: this direction is over.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        if (mode == Mode.RESET) {
          abort(to);
        }
        closeQuietly(from);
        closeQuietly(to);
        sockets.remove(from);
        sockets.remove(to);
      }
    }, "fault-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  /** Closes with SO_LINGER 0, so the peer gets a RST instead of a FIN. */
  private static void abort(Socket s) {
    try {
      s.setSoLinger(true, 0);
    } catch (IOException ignored) {
      // Already closed: nothing to abort.
    }
    closeQuietly(s);
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception ignored) {
      // Closing is best effort.
    }
  }
}
