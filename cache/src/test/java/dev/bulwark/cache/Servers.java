package dev.bulwark.cache;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The real servers the tests run against. Redis is expected on its standard local port; a test
 * that needs it calls {@link #assumeRedis()}, which skips the test when the server is not there,
 * or fails it when {@code -Dbulwark.requireServers=true} (as CI sets). {@link PrivateRedis} starts
 * a throwaway {@code redis-server} the test may pause and resume.
 */
final class Servers {

  static final String REDIS_HOST = "127.0.0.1";
  static final int REDIS_PORT = 6379;
  static final String REDIS_URL = "redis://127.0.0.1:6379";

  private static final Object LOCK = new Object();
  private static String problem;
  private static boolean probed;

  private Servers() {
  }

  /** Skips (or, with {@code bulwark.requireServers=true}, fails) the test unless Redis answers. */
  static void assumeRedis() {
    String why = redisProblem(REDIS_PORT);
    synchronized (LOCK) {
      if (!probed) {
        probed = true;
        problem = why;
      }
      why = problem;
    }
    if (why == null) {
      return;
    }
    if ("true".equalsIgnoreCase(System.getProperty("bulwark.requireServers"))) {
      Assertions.fail("Redis is required (bulwark.requireServers=true) but not reachable at "
          + REDIS_HOST + ":" + REDIS_PORT + ": " + why);
    }
    Assumptions.abort("Redis not reachable at " + REDIS_HOST + ":" + REDIS_PORT + " (" + why
        + "); test skipped. Set -Dbulwark.requireServers=true to fail instead.");
  }

  /** Null when a Redis on {@code port} answers PING; else why not. */
  static String redisProblem(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(REDIS_HOST, port), 1000);
      s.setSoTimeout(1000);
      OutputStream out = s.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[7];
      int n = in.read(buf);
      String answer = n <= 0 ? "" : new String(buf, 0, n, StandardCharsets.US_ASCII);
      return answer.startsWith("+PONG") ? null : "unexpected answer '" + answer.trim() + "'";
    } catch (IOException e) {
      return e.getClass().getSimpleName() + ": " + e.getMessage();
    }
  }

  /** A redis-server on a free port, without persistence; pause/resume with SIGSTOP/SIGCONT. */
  static final class PrivateRedis implements AutoCloseable {
    final int port;
    private final Process process;

    private PrivateRedis(int port, Process process) {
      this.port = port;
      this.process = process;
    }

    static PrivateRedis start() throws Exception {
      int port;
      try (ServerSocket ss = new ServerSocket(0)) {
        port = ss.getLocalPort();
      }
      Process p;
      try {
        p = new ProcessBuilder("redis-server", "--port", String.valueOf(port), "--bind", REDIS_HOST,
            "--save", "", "--appendonly", "no")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
      } catch (IOException e) {
        Assumptions.abort("redis-server not installed (" + e.getMessage() + "); test skipped");
        throw e;
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (redisProblem(port) != null) {
        if (System.nanoTime() > deadline || !p.isAlive()) {
          p.destroyForcibly();
          Assertions.fail("private redis-server on port " + port + " did not start");
        }
        Thread.sleep(20);
      }
      return new PrivateRedis(port, p);
    }

    String url() {
      return "redis://" + REDIS_HOST + ":" + port;
    }

    void pause() throws Exception {
      signal("STOP");
    }

    void resume() throws Exception {
      signal("CONT");
    }

    private void signal(String sig) throws Exception {
      int rc = new ProcessBuilder("kill", "-" + sig, String.valueOf(process.pid())).start().waitFor();
      Assertions.assertEquals(0, rc, "kill -" + sig + " " + process.pid());
    }

    @Override
    public void close() throws Exception {
      resume();
      process.destroy();
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }
}
