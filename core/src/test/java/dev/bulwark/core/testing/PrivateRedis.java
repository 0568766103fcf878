package dev.bulwark.core.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assertions;

/**
 * A throwaway {@code redis-server} of the test's own on a free loopback port, without persistence,
 * that the test may pause ({@code SIGSTOP}: a stalled server whose sockets stay open), resume,
 * kill ({@code SIGKILL}: connections reset, port closed) and start again on the same port, never
 * touching the shared server on 6379. Without {@code redis-server} installed the test is skipped,
 * or fails under {@code -Dbulwark.requireServers=true}. Not thread-safe: one test drives it.
 */
public final class PrivateRedis implements AutoCloseable {

  private static final String HOST = "127.0.0.1";

  private final int port;
  private Process process;

  private PrivateRedis(int port) {
    this.port = port;
  }

  /** Starts a server on a free port and waits (bounded) until it answers PING. */
  public static PrivateRedis start() throws Exception {
    int port;
    try (ServerSocket ss = new ServerSocket(0)) {
      port = ss.getLocalPort();
    }
    PrivateRedis redis = new PrivateRedis(port);
    redis.launch();
    return redis;
  }

  public int port() {
    return port;
  }

  /** {@code redis://127.0.0.1:<port>}. */
  public String url() {
    return "redis://" + HOST + ":" + port;
  }

  /** Stops the process (SIGSTOP): connections stay open and every command waits. */
  public void pause() throws Exception {
    signal("STOP");
  }

  /** Resumes a paused process (SIGCONT); the commands sent meanwhile then run. */
  public void resume() throws Exception {
    signal("CONT");
  }

  /** Kills the process (SIGKILL) and waits until it is gone: connections reset, port closed. */
  public void kill() throws Exception {
    process.destroyForcibly();
    Assertions.assertTrue(process.waitFor(10, TimeUnit.SECONDS), "redis-server did not die");
  }

  /** Starts the server again on the same port, empty (no persistence). */
  public void restart() throws Exception {
    launch();
  }

  /** Whether {@code key} exists, asked with redis-cli (so not while paused). */
  public boolean exists(String key) throws Exception {
    return cli("EXISTS", key).trim().equals("1");
  }

  /** Runs {@code redis-cli} with {@code args} and returns its output (so not while paused). */
  public String cli(String... args) throws Exception {
    String[] cmd = new String[args.length + 5];
    cmd[0] = "redis-cli";
    cmd[1] = "-h";
    cmd[2] = HOST;
    cmd[3] = "-p";
    cmd[4] = String.valueOf(port);
    System.arraycopy(args, 0, cmd, 5, args.length);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    Assertions.assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
    return out;
  }

  /**
   * How many times the server has run {@code command} (from {@code INFO commandstats}, so not
   * while paused). Once it counts a command, that command's reply has been written to its
   * client's socket: the server writes every pending reply before it answers a later request,
   * and a socket delivers what was written even if the server is then paused.
   */
  public long calls(String command) throws Exception {
    Matcher m = Pattern.compile("(?m)^cmdstat_" + command.toLowerCase(Locale.ROOT) + ":calls=(\\d+)")
        .matcher(cli("INFO", "commandstats"));
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }

  @Override
  public void close() throws Exception {
    if (process.isAlive()) {
      resume();
      process.destroy();
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }

  private void launch() throws Exception {
    Process p;
    try {
      p = new ProcessBuilder("redis-server", "--port", String.valueOf(port), "--bind", HOST,
          "--save", "", "--appendonly", "no")
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start();
    } catch (IOException e) {
      LocalServers.requireOrSkip("a private redis-server", HOST + ":" + port,
          "redis-server not installed (" + e.getMessage() + ")");
      throw e;
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (LocalServers.redisProblem(port) != null) {
      if (System.nanoTime() > deadline || !p.isAlive()) {
        p.destroyForcibly();
        Assertions.fail("private redis-server on port " + port + " did not start");
      }
      Thread.sleep(20);
    }
    process = p;
  }

  private void signal(String sig) throws Exception {
    int rc = new ProcessBuilder("kill", "-" + sig, String.valueOf(process.pid())).start().waitFor();
    Assertions.assertEquals(0, rc, "kill -" + sig + " " + process.pid());
  }
}
