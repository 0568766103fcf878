package dev.bulwark.core.testing;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL cluster of the test's own, on a free loopback port, that the test may
 * crash ({@code pg_ctl stop -m immediate}, no shutdown checkpoint: the next start runs crash
 * recovery from the WAL) and start again, never touching the shared server on 5432. Made with
 * the installed {@code initdb} (trust authentication, user {@code postgres}); as root, the
 * server's tools run as the {@code postgres} user through {@code runuser}, since PostgreSQL
 * refuses to run as root. When the tools are missing the test is skipped with the reason, or
 * fails under {@code -Dbulwark.requireServers=true}. Not thread-safe: one test drives it.
 */
public final class PrivatePostgres implements AutoCloseable {

  private final Path bin;
  private final Path dir;
  private final int port;
  private final boolean asPostgresUser;

  private PrivatePostgres(Path bin, Path dir, int port, boolean asPostgresUser) {
    this.bin = bin;
    this.dir = dir;
    this.port = port;
    this.asPostgresUser = asPostgresUser;
  }

  /** Creates and starts a cluster; skips (or fails) the test when that is impossible here. */
  public static PrivatePostgres start() throws Exception {
    Path bin = findBin();
    LocalServers.requireOrSkip("a private PostgreSQL", "initdb/pg_ctl",
        bin == null ? "no /usr/lib/postgresql/*/bin/initdb installed" : null);
    boolean root = "root".equals(System.getProperty("user.name"));
    Path dir = Files.createTempDirectory("bulwark-pg-");
    int port;
    try (ServerSocket ss = new ServerSocket(0)) {
      port = ss.getLocalPort();
    }
    PrivatePostgres pg = new PrivatePostgres(bin, dir, port, root);
    String problem = null;
    try {
      if (root) {
        problem = pg.exec("chown", "postgres", dir.toString());
      }
      if (problem == null) {
        problem = pg.tool("initdb", "-D", pg.data(), "-U", "postgres", "--auth=trust", "-N",
            "-E", "UTF8", "--locale=C");
      }
      if (problem == null) {
        problem = pg.startServer();
      }
    } catch (IOException e) {
      problem = e.toString();
    }
    if (problem != null) {
      pg.deleteDir();
    }
    LocalServers.requireOrSkip("a private PostgreSQL", "127.0.0.1:" + port, problem);
    return pg;
  }

  /** The JDBC URL of the {@code postgres} database, as user {@code postgres}. */
  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres";
  }

  public int port() {
    return port;
  }

  /** Kills the server as a crash would: {@code pg_ctl stop -m immediate}, no checkpoint. */
  public void crash() throws Exception {
    check(tool("pg_ctl", "-D", data(), "-m", "immediate", "-w", "-t", "60", "stop"), "stop");
  }

  /** Starts the server again on the same port (after a crash: crash recovery first). */
  public void restart() throws Exception {
    check(startServer(), "start");
  }

  @Override
  public void close() throws Exception {
    try {
      tool("pg_ctl", "-D", data(), "-m", "immediate", "-w", "-t", "60", "stop");
    } finally {
      deleteDir();
    }
  }

  private String startServer() throws IOException, InterruptedException {
    return tool("pg_ctl", "-D", data(), "-w", "-t", "120", "-l", dir.resolve("server.log").toString(),
        "-o", "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c max_connections=20",
        "start");
  }

  private String data() {
    return dir.resolve("data").toString();
  }

  private void check(String problem, String what) throws IOException {
    if (problem != null) {
      String log = Files.exists(dir.resolve("server.log"))
          ? Files.readString(dir.resolve("server.log"), StandardCharsets.UTF_8) : "";
      throw new AssertionError("private PostgreSQL " + what + " failed: " + problem + "\n" + log);
    }
  }

  /** Runs one of the server's tools (as the postgres user when this JVM is root). */
  private String tool(String name, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    if (asPostgresUser) {
      cmd.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    cmd.add(bin.resolve(name).toString());
    cmd.addAll(Arrays.asList(args));
    return exec(cmd.toArray(new String[0]));
  }

  /** Null when the command exits 0; else its exit code and output. */
  private String exec(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(180, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return String.join(" ", cmd) + " did not finish";
    }
    return p.exitValue() == 0 ? null : String.join(" ", cmd) + " exited " + p.exitValue() + ": " + out.trim();
  }

  private void deleteDir() throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    }
  }

  private static Path findBin() {
    File root = new File("/usr/lib/postgresql");
    String[] versions = root.list();
    if (versions == null) {
      return null;
    }
    return Arrays.stream(versions)
        .filter(v -> v.matches("\\d+(\\.\\d+)?"))
        .sorted(Comparator.comparingDouble(Double::parseDouble).reversed())
        .map(v -> Paths.get("/usr/lib/postgresql", v, "bin"))
        .filter(p -> Files.isExecutable(p.resolve("initdb")) && Files.isExecutable(p.resolve("pg_ctl")))
        .findFirst()
        .orElse(null);
  }
}
