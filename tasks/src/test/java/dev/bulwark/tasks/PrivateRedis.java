package dev.bulwark.tasks;

import dev.bulwark.core.testing.LocalServers;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * A throwaway {@code redis-server} on a free loopback port in its own temp directory, for tests
 * that kill, restart or configure Redis (the shared one on 6379 is never touched that way). With
 * {@code aof} it persists every write ({@code appendonly yes}, {@code appendfsync always}), so a
 * restart keeps everything acknowledged. Skips the test when redis-server is not installed, or
 * fails it with {@code bulwark.requireServers=true}.
 */
final class PrivateRedis implements AutoCloseable {

  final int port;
  private final Path dir;
  private final List<String> extra;
  private Process process;
  private Path sentinelConf;

  private PrivateRedis(int port, Path dir, List<String> extra) {
    this.port = port;
    this.dir = dir;
    this.extra = extra;
  }

  /** Starts a server with AOF ({@code appendfsync always}) or without persistence. */
  static PrivateRedis start(boolean aof, String... extraArgs) throws Exception {
    List<String> extra = new ArrayList<>(List.of(extraArgs));
    if (aof) {
      extra.addAll(List.of("--appendonly", "yes", "--appendfsync", "always"));
    } else {
      extra.addAll(List.of("--appendonly", "no"));
    }
    Path dir = Files.createTempDirectory("bulwark-redis");
    return startOnFreePort(port -> new PrivateRedis(port, dir, extra));
  }

  /** Starts a Sentinel with {@code conf} (which it rewrites) on a free port. */
  static PrivateRedis startSentinel(Path conf) throws Exception {
    return startOnFreePort(port -> {
      PrivateRedis r = new PrivateRedis(port, conf.getParent(), List.of());
      r.sentinelConf = conf;
      return r;
    });
  }

  /**
   * Launches a server on a port that was free a moment ago, and once more on another when
   * something else took it in between (other tests' servers and clients bind ports too).
   */
  private static PrivateRedis startOnFreePort(IntFunction<PrivateRedis> onPort) throws Exception {
    PrivateRedis r = onPort.apply(freePort());
    if (!r.launch(true)) {
      r = onPort.apply(freePort());
      r.launch(false);
    }
    return r;
  }

  static int freePort() throws IOException {
    try (ServerSocket ss = new ServerSocket(0)) {
      return ss.getLocalPort();
    }
  }

  String url() {
    return "redis://127.0.0.1:" + port;
  }

  /** Kills the server with SIGKILL (no shutdown save) and starts it again on the same port and files. */
  void restart() throws Exception {
    kill();
    launch(false);
  }

  /** Kills the server with SIGKILL. */
  void kill() throws Exception {
    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
  }

  /** Starts the killed server again on the same port and files. */
  void startAgain() throws Exception {
    launch(false);
  }

  /** Runs redis-cli against this server and returns its output. */
  String cli(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("redis-cli", "-h", "127.0.0.1", "-p", String.valueOf(port)));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    Assertions.assertEquals(0, p.waitFor(), "redis-cli " + args[0] + ": " + out);
    return out;
  }

  /**
   * Starts redis-server on {@link #port} and waits until it answers.
   *
   * @param portMayMove whether a port found taken is reported (false) instead of failing the test
   * @return false when the server could not bind its port because it was in use
   */
  private boolean launch(boolean portMayMove) throws Exception {
    List<String> cmd = sentinelConf != null
        ? new ArrayList<>(List.of("redis-server", sentinelConf.toString(), "--sentinel", "--port",
            String.valueOf(port), "--bind", "127.0.0.1"))
        : new ArrayList<>(List.of("redis-server", "--port", String.valueOf(port),
            "--bind", "127.0.0.1", "--save", "", "--dir", dir.toString()));
    cmd.addAll(extra);
    try {
      process = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(dir.resolve("redis-" + port + ".log").toFile()).start();
    } catch (IOException e) {
      if ("true".equalsIgnoreCase(System.getProperty("bulwark.requireServers"))) {
        Assertions.fail("redis-server is required (bulwark.requireServers=true) but cannot run: " + e);
      }
      Assumptions.abort("redis-server not installed (" + e.getMessage() + "); test skipped");
    }
    Process started = process;
    try {
      Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
          .failFast("redis-server exited", () -> !started.isAlive())
          .until(() -> LocalServers.redisProblem(port) == null);
    } catch (RuntimeException | AssertionError e) {
      started.destroyForcibly();
      Queues.waitFor(started);
      String log = Files.readString(dir.resolve("redis-" + port + ".log"));
      if (portMayMove && log.contains("Address already in use")) {
        return false;
      }
      Assertions.fail("private redis-server on port " + port + " did not start: " + log, e);
    }
    return true;
  }

  @Override
  public void close() {
    if (process != null) {
      process.destroyForcibly();
      Queues.waitFor(process);
    }
  }
}
