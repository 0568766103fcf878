package dev.bulwark.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

class ShopMainTest {

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cl = ShopMain.commandLine(new ShopMain());
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    return cl.execute(args);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "--bogus                     | Unknown option: '--bogus'",
      "--workers 0                 | --workers must be >= 1, but was 0",
      "--workers abc               | --workers",
      "--worker-queue -1           | --worker-queue must be >= 0, but was -1",
      "--queue-timeout abc         | --queue-timeout must be a duration such as 200ms",
      "--queue-timeout 0ms         | --queue-timeout must be > 0, but was 0ms",
      "--port 70000                | --port must be between 0 and 65535, but was 70000",
      "--event-loops 0             | --event-loops must be >= 1, but was 0",
      "--drain-grace soon          | --drain-grace must be a duration",
  })
  void badArguments_printOneLineAndExit2(String args, String expected) {
    int status = run(args.trim().split("\\s+"));

    assertThat(status).isEqualTo(ShopMain.USAGE);
    String printed = err.toString();
    assertThat(printed.strip().lines()).hasSize(1);
    assertThat(printed).contains(expected).startsWith("bulwark-examples: ");
    assertThat(out.toString()).isEmpty();
  }

  @Test
  void help_listsEveryOptionAndExits0() {
    int status = run("--help");

    assertThat(status).isZero();
    assertThat(out.toString()).contains("--port", "--workers", "--worker-queue", "--queue-timeout",
        "--event-loops", "--drain-grace", "--help");
  }

  @Test
  void options_becomeTheConfig() {
    ShopMain main = new ShopMain();
    CommandLine cl = ShopMain.commandLine(main);
    cl.parseArgs("--port", "0", "--workers", "8", "--worker-queue", "16", "--queue-timeout", "200ms");

    ShopConfig config = main.config();

    assertThat(config.port()).isZero();
    assertThat(config.workers()).isEqualTo(8);
    assertThat(config.workerQueue()).isEqualTo(16);
    assertThat(config.queueTimeout()).isEqualTo(Duration.ofMillis(200));
  }

  @Test
  void limitAdaptive_makesTheDefaultPoolAdaptive_andABadKindIsRefused() {
    ShopMain fixed = new ShopMain();
    ShopMain.commandLine(fixed).parseArgs("--workers", "6");
    assertThat(fixed.config().adaptive()).isFalse();

    ShopMain adaptive = new ShopMain();
    ShopMain.commandLine(adaptive).parseArgs("--workers", "6", "--limit", "adaptive");
    ShopConfig config = adaptive.config();
    assertThat(config.adaptive()).isTrue();
    dev.bulwark.core.WorkerPool.Builder pool = dev.bulwark.core.WorkerPool.builder();
    config.serverOptions().workerPools().get("default").accept(pool);
    dev.bulwark.core.WorkerPool built = pool.build();
    try {
      assertThat(built.stats().limit()).isEqualTo(6);
    } finally {
      built.close(java.time.Duration.ZERO);
    }

    assertThat(run("--limit", "elastic")).isEqualTo(ShopMain.USAGE);
    assertThat(err.toString()).contains("--limit must be fixed or adaptive, but was 'elastic'");
  }

  @Test
  void workerQueue_defaultsToTwiceTheWorkers() {
    ShopMain main = new ShopMain();
    ShopMain.commandLine(main).parseArgs("--workers", "5");

    assertThat(main.config().workerQueue()).isEqualTo(10);
  }
}
