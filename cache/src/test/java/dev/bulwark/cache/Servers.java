package dev.bulwark.cache;

import dev.bulwark.core.testing.LocalServers;
import java.io.IOException;
import java.net.ServerSocket;
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

  private Servers() {
  }

  /** Skips (or, with {@code bulwark.requireServers=true}, fails) the test unless Redis answers. */
  static void assumeRedis() {
    LocalServers.assumeRedis();
  }

  /** Null when a Redis on {@code port} answers PING; else why not. */
  static String redisProblem(int port) {
    return LocalServers.redisProblem(port);
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

    /** Whether {@code key} exists, asked with redis-cli (so not while paused). */
    boolean exists(String key) throws Exception {
      Process p = new ProcessBuilder("redis-cli", "-h", REDIS_HOST, "-p", String.valueOf(port), "EXISTS", key)
          .redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII).trim();
      Assertions.assertEquals(0, p.waitFor(), "redis-cli EXISTS " + key + ": " + out);
      return out.equals("1");
    }

    /**
     * How many times the server has run {@code command} (from {@code INFO commandstats}, asked with
     * redis-cli, so not while paused). Once it counts a command, that command's reply has been
     * written to its client's socket: the server writes every pending reply before it answers a
     * later request, and a socket delivers what was written even if the server is then paused.
     */
    long calls(String command) throws Exception {
      Process p = new ProcessBuilder("redis-cli", "-h", REDIS_HOST, "-p", String.valueOf(port), "INFO", "commandstats")
          .redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
      Assertions.assertEquals(0, p.waitFor(), "redis-cli INFO commandstats: " + out);
      java.util.regex.Matcher m = java.util.regex.Pattern
          .compile("(?m)^cmdstat_" + command.toLowerCase(java.util.Locale.ROOT) + ":calls=(\\d+)").matcher(out);
      return m.find() ? Long.parseLong(m.group(1)) : 0;
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
