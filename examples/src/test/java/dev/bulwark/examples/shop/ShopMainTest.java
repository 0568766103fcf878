package dev.bulwark.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bulwark.core.ThreadKind;
import dev.bulwark.web.NetTransport;
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
      "--log-format xml            | --log-format must be text or json, but was 'xml'",
      "--log-level dev.bulwark=LOUD | --log-level level must be one of TRACE, DEBUG, INFO, WARN, ERROR, OFF, but was 'LOUD' for dev.bulwark",
      "--log-level io.vertx        | --log-level items must be LOGGER=LEVEL, but was 'io.vertx'",
      "--log-max-size ten          | --log-max-size must be a size such as 10MB or 512KB, but was 'ten'",
      "--log-max-history 0         | --log-max-history must be >= 1, but was 0",
      "--log-max-size 10MB --log-total-size 1MB | --log-total-size must be >= --log-max-size (10MB), but was 1MB",
      "--log-file .                | --log-file must be a file, but . is a directory",
      "--log-file pom.xml/logs/shop.log | --log-file cannot be created: ",
      "--redis http://127.0.0.1:6379 | --redis must be a redis:// or rediss:// URL, but was 'http://127.0.0.1:6379'",
      "--redis redis://a:1,         | --redis must be a redis:// or rediss:// URL, but was ''",
      "--redis redis://u:secret@h:1,x | --redis must be a redis:// or rediss:// URL, but was 'x'",
      "--redis rediss//u:secret@h:1 | --redis must be a redis:// or rediss:// URL, but was 'rediss//****@h:1'",
      "--role worker                | --role worker needs --redis",
      "--role chef --redis redis://h:1 | --role must be one of web, worker, all, but was 'chef'",
      "--task-concurrency 0         | --task-concurrency must be >= 1, but was 0",
      "--task-queue 0               | --task-queue must be >= 1, but was 0",
      "--ops-token 0123456789abcdef | --ops-token needs --ops",
      "--ops --ops-token short     | --ops-token must be at least 16 characters, but was 5",
      "--transport epoll           | --transport must be auto, io_uring or nio, but was 'epoll'",
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
        "--event-loops", "--drain-grace", "--log-file", "--log-format", "--log-level", "--log-max-size",
        "--log-max-history", "--log-total-size", "--access-log", "--redis", "--role",
        "--task-concurrency", "--task-queue", "--ops", "--ops-token", "--help");
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
  void ops_isOffByDefaultAndTakesAToken() {
    ShopMain main = new ShopMain();
    ShopMain.commandLine(main).parseArgs();
    assertThat(main.config().ops()).isFalse();

    ShopMain on = new ShopMain();
    ShopMain.commandLine(on).parseArgs("--ops", "--ops-token", "0123456789abcdef");
    ShopConfig config = on.config();

    assertThat(config.ops()).isTrue();
    assertThat(config.opsToken()).isEqualTo("0123456789abcdef");
    assertThat(config.toString()).doesNotContain("0123456789abcdef");
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
  void threads_defaultToPlatform_virtualOnlyOnJava21_andABadKindIsRefused() throws Exception {
    ShopMain plain = new ShopMain();
    ShopMain.commandLine(plain).parseArgs();
    assertThat(plain.config().threads()).isEqualTo(ThreadKind.PLATFORM);

    if (ThreadKind.virtualThreadsAvailable()) {
      ShopMain virtual = new ShopMain();
      ShopMain.commandLine(virtual).parseArgs("--threads", "virtual");
      dev.bulwark.core.WorkerPool.Builder pool = dev.bulwark.core.WorkerPool.builder();
      virtual.config().serverOptions().workerPools().get("default").accept(pool);
      dev.bulwark.core.WorkerPool built = pool.build();
      try {
        String thread = built.submit(() -> Thread.currentThread().toString())
            .toCompletionStage().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(thread).startsWith("VirtualThread");
      } finally {
        built.close(java.time.Duration.ZERO);
      }
    } else {
      assertThat(run("--threads", "virtual")).isEqualTo(ShopMain.USAGE);
      assertThat(err.toString()).contains("--threads virtual needs Java 21 or later, but this JVM is Java "
          + Runtime.version().feature());
    }

    assertThat(run("--threads", "green")).isEqualTo(ShopMain.USAGE);
    assertThat(err.toString()).contains("--threads must be platform or virtual, but was 'green'");
  }

  @Test
  void transport_defaultsToAuto_takesANamedOne_andIoUringOnlyWhereItIsAvailable() {
    ShopMain plain = new ShopMain();
    ShopMain.commandLine(plain).parseArgs();
    assertThat(plain.config().transport()).isEqualTo(NetTransport.AUTO);

    ShopMain nio = new ShopMain();
    ShopMain.commandLine(nio).parseArgs("--transport", "nio");
    assertThat(nio.config().transport()).isEqualTo(NetTransport.NIO);

    String unavailable = NetTransport.ioUringUnavailable();
    if (unavailable == null) {
      ShopMain uring = new ShopMain();
      ShopMain.commandLine(uring).parseArgs("--transport", "IO_URING");
      assertThat(uring.config().transport()).isEqualTo(NetTransport.IO_URING);
    } else {
      assertThat(run("--transport", "io_uring")).isEqualTo(ShopMain.USAGE);
      assertThat(err.toString()).contains("--transport io_uring is unavailable here: " + unavailable);
    }
  }

  @Test
  void workerQueue_defaultsToTwiceTheWorkers() {
    ShopMain main = new ShopMain();
    ShopMain.commandLine(main).parseArgs("--workers", "5");

    assertThat(main.config().workerQueue()).isEqualTo(10);
  }

  @Test
  void picocli_isBuiltAsClassFilesThatAppCdsArchives() throws Exception {
    // picocli's own jar holds Java 5 class files (major 49), which class data sharing refuses:
    // every start then loaded and verified picocli from the jar despite the archive.
    byte[] head;
    try (java.io.InputStream in = CommandLine.class.getResourceAsStream("CommandLine.class")) {
      head = in.readNBytes(8);
    }
    int major = (head[6] & 0xff) << 8 | head[7] & 0xff;

    assertThat(major).as("class file major version of picocli.CommandLine").isEqualTo(61);
  }
}
