package dev.bulwark.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordingStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JfrProfileTest {

  @TempDir
  Path dir;

  @Test
  void add_countsSelfAndTotalAndCollapsesRootFirst() throws Exception {
    JfrProfile p = new JfrProfile();
    p.add("vert.x-eventloop-thread-1", List.of("a.Hot.spin", "a.Handler.handle", "a.Loop.run"));
    p.add("vert.x-eventloop-thread-0", List.of("a.Hot.spin", "a.Handler.handle", "a.Loop.run"));
    p.add("worker 7", List.of("a.Db.query", "a.Handler.handle", "a.Loop.run"));
    p.add("empty", List.of());

    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    p.printReport(new PrintStream(bytes, true, StandardCharsets.UTF_8), 10);
    Path collapsed = dir.resolve("out.collapsed");
    p.writeCollapsed(collapsed);

    String report = bytes.toString(StandardCharsets.UTF_8);
    assertThat(p.samples()).isEqualTo(3);
    assertThat(report).contains("3 execution samples")
        .contains(" 66.67%  66.67%  a.Hot.spin", " 33.33%  33.33%  a.Db.query")
        .contains(" 66.67%  vert.x-eventloop-thread-N", " 33.33%  worker_N");
    assertThat(report.indexOf("a.Hot.spin")).isLessThan(report.indexOf("a.Db.query"));
    assertThat(report).doesNotContain("a.Handler.handle");
    assertThat(Files.readAllLines(collapsed)).containsExactly(
        "vert.x-eventloop-thread-N;a.Loop.run;a.Handler.handle;a.Hot.spin 2",
        "worker_N;a.Loop.run;a.Handler.handle;a.Db.query 1");
  }

  @Test
  void frame_dropsTheRunSpecificPartOfLambdaClassNames() {
    assertThat(JfrProfile.frame("io.vertx.core.internal.ContextInternal$$Lambda$482+0x00007f642431ba70.1546903050", "run"))
        .isEqualTo("io.vertx.core.internal.ContextInternal$$Lambda.run");
    assertThat(JfrProfile.frame("a.B$$Lambda/0x000001", "apply")).isEqualTo("a.B$$Lambda.apply");
    assertThat(JfrProfile.frame("a.B$Inner", "run")).isEqualTo("a.B$Inner.run");
  }

  @Test
  void read_findsTheBusyMethodOfARealRecording() throws Exception {
    Path file = dir.resolve("busy.jfr");
    AtomicLong mine = new AtomicLong();
    long self = Thread.currentThread().getId();
    try (Recording recording = new Recording(); RecordingStream stream = new RecordingStream()) {
      recording.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(10));
      stream.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(10));
      stream.onEvent("jdk.ExecutionSample", e -> {
        if (e.getThread("sampledThread") != null && e.getThread("sampledThread").getJavaThreadId() == self) {
          mine.incrementAndGet();
        }
      });
      recording.start();
      stream.startAsync();
      // Busy until JFR has caught this thread 30 times (bounded: a stuck sampler fails the test).
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      long sink = 0;
      while (mine.get() < 30) {
        assertThat(System.nanoTime()).as("30 samples of the busy thread").isLessThan(deadline);
        sink += busy(200_000);
      }
      assertThat(sink).isNotZero();
      recording.stop();
      recording.dump(file);
    }

    JfrProfile p = new JfrProfile();
    p.read(file);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    p.printReport(new PrintStream(bytes, true, StandardCharsets.UTF_8), 5);
    Path collapsed = dir.resolve("busy.collapsed");
    p.writeCollapsed(collapsed);

    assertThat(p.samples()).isGreaterThanOrEqualTo(30);
    assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("dev.bulwark.benchmarks.JfrProfileTest.busy");
    assertThat(Files.readAllLines(collapsed)).anySatisfy(line -> assertThat(line)
        .matches("main;.*;dev\\.bulwark\\.benchmarks\\.JfrProfileTest\\.busy \\d+"));
  }

  private static long busy(int n) {
    long h = 1125899906842597L;
    for (int i = 0; i < n; i++) {
      h = 31 * h + (h >>> 7) + i;
    }
    return h == 0 ? 1 : h;
  }
}
