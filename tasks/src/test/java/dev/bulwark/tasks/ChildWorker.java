package dev.bulwark.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;

/** A {@link WorkerMain} in its own JVM, started with this test's class path; its output lines are kept. */
final class ChildWorker implements AutoCloseable {

  private final Process process;
  final List<String> lines = new CopyOnWriteArrayList<>();

  private ChildWorker(Process process) {
    this.process = process;
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
          StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          lines.add(line);
        }
      } catch (Exception e) {
        lines.add("READ FAILED " + e);
      }
    }, "child-worker-output");
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts a child with {@link WorkerMain}'s arguments and waits for its READY line. */
  static ChildWorker start(String... args) {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
        WorkerMain.class.getName()));
    cmd.addAll(List.of(args));
    Process p;
    try {
      p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    } catch (Exception e) {
      throw new IllegalStateException("cannot start a child JVM: " + e, e);
    }
    ChildWorker w = new ChildWorker(p);
    Awaitility.await().atMost(java.time.Duration.ofSeconds(60))
        .failFast("child worker exited: " + w.lines, () -> !p.isAlive())
        .until(() -> w.lines.contains("READY"));
    return w;
  }

  boolean alive() {
    return process.isAlive();
  }

  /** {@code kill -9}: no shutdown hook, no acknowledgement, its claims left pending. */
  void kill9() throws java.io.IOException {
    int rc = Queues.waitFor(new ProcessBuilder("kill", "-9", String.valueOf(process.pid())).start());
    assertThat(rc).isZero();
    assertThat(Queues.waitFor(process)).isEqualTo(137);
  }

  @Override
  public void close() throws java.io.IOException {
    if (process.isAlive()) {
      kill9();
    }
  }
}
