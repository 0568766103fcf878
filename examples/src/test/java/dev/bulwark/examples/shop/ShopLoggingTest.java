package dev.bulwark.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy;
import ch.qos.logback.core.util.FileSize;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The shop's Logback set-up from its options, written to real files and read back. */
class ShopLoggingTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  @AfterEach
  void restoreLogbackXml() throws Exception {
    ShopLogging.reset();
  }

  private static ShopLogging.Settings settings(Path file, ShopLogging.Format format, Map<String, Level> levels) {
    return new ShopLogging.Settings(file, format, levels, ShopLogging.DEFAULT_MAX_FILE_SIZE,
        ShopLogging.DEFAULT_MAX_HISTORY, ShopLogging.DEFAULT_TOTAL_SIZE_CAP, false);
  }

  @Test
  void json_writesOneParsableObjectPerLineWithLevelLoggerAndMessage() throws Exception {
    Path file = dir.resolve("shop.log");
    ShopLogging.apply(settings(file, ShopLogging.Format.JSON, Map.of("dev.bulwark.probe", Level.DEBUG)));
    Logger log = LoggerFactory.getLogger("dev.bulwark.probe");

    log.debug("debug {}", 1);
    log.info("quote \" and newline \n inside");
    log.atWarn().addKeyValue("route", "/products/{id}").log("with a key-value pair");
    log.error("failed", new IllegalStateException("boom"));

    List<JsonNode> lines = new ArrayList<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      lines.add(JSON.readTree(line));
    }
    assertThat(lines).hasSize(4);
    assertThat(lines).allSatisfy(n -> {
      assertThat(n.path("loggerName").asText()).isEqualTo("dev.bulwark.probe");
      assertThat(n.path("timestamp").asLong()).isPositive();
      assertThat(n.path("threadName").asText()).isNotEmpty();
    });
    assertThat(lines).extracting(n -> n.path("level").asText()).containsExactly("DEBUG", "INFO", "WARN", "ERROR");
    assertThat(lines.get(0).path("message").asText()).isEqualTo("debug {}");
    assertThat(lines.get(0).path("formattedMessage").asText()).isEqualTo("debug 1");
    assertThat(lines.get(1).path("message").asText()).isEqualTo("quote \" and newline \n inside");
    assertThat(lines.get(2).path("kvpList").toString()).contains("\"route\":\"/products/{id}\"");
    assertThat(lines.get(3).path("throwable").path("message").asText()).isEqualTo("boom");
  }

  @Test
  void text_isTheDefaultFormat() throws Exception {
    Path file = dir.resolve("shop.log");
    ShopLogging.apply(settings(file, ShopLogging.Format.TEXT, Map.of()));

    LoggerFactory.getLogger("dev.bulwark.probe").info("plain {}", "text");

    assertThat(Files.readString(file)).matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  \\[.+\\] dev\\.bulwark\\.probe - plain text\\R");
  }

  @Test
  void levels_applyPerLoggerTheNearestNameWinning() throws Exception {
    Path file = dir.resolve("shop.log");
    ShopLogging.apply(settings(file, ShopLogging.Format.TEXT,
        ShopLogging.parseLevels("dev.bulwark.quiet=ERROR,dev.bulwark=INFO,io.vertx=DEBUG,root=WARN")));

    LoggerFactory.getLogger("dev.bulwark.quiet.Child").warn("dropped");
    LoggerFactory.getLogger("dev.bulwark.other").info("kept: dev.bulwark=INFO");
    LoggerFactory.getLogger("io.vertx.core.Probe").debug("kept: io.vertx=DEBUG");
    LoggerFactory.getLogger("com.example").info("dropped: root=WARN");

    assertThat(Files.readString(file)).doesNotContain("dropped")
        .contains("kept: dev.bulwark=INFO", "kept: io.vertx=DEBUG");
  }

  @Test
  void rollingFile_appearsAtThePathAndRollsBySizeIntoCompressedFilesBesideIt() throws Exception {
    Path file = dir.resolve("not/yet/there/shop.log");
    ShopLogging.apply(new ShopLogging.Settings(file, ShopLogging.Format.TEXT, Map.of(),
        FileSize.valueOf("1KB"), 3, FileSize.valueOf("1MB"), false));
    Logger log = LoggerFactory.getLogger("dev.bulwark.probe");
    log.info("first line");

    assertThat(file).exists().content().contains("first line");
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    RollingFileAppender<?> appender = (RollingFileAppender<?>) context.getLogger(Logger.ROOT_LOGGER_NAME)
        .getAppender("FILE");
    SizeAndTimeBasedRollingPolicy<?> policy = (SizeAndTimeBasedRollingPolicy<?>) appender.getRollingPolicy();
    assertThat(policy.getMaxHistory()).isEqualTo(3);
    assertThat(policy.getFileNamePattern()).isEqualTo(file + ".%d{yyyy-MM-dd}.%i.gz");

    // About 4 KB in all: past 1 KB the next event rolls the file.
    for (int i = 0; i < 40; i++) {
      log.info("line {} {}", i, "x".repeat(60));
    }

    assertThat(file).content().doesNotContain("first line").contains("line 39");
    assertThat(Files.size(file)).isLessThan(2048);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      try (Stream<Path> files = Files.list(file.getParent())) {
        assertThat(files.map(p -> p.getFileName().toString()))
            .anySatisfy(name -> assertThat(name).matches("shop\\.log\\.\\d{4}-\\d\\d-\\d\\d\\.0\\.gz"));
      }
    });
  }

  @Test
  void unwritableFile_failsWithTheReason() throws Exception {
    Path blocker = Files.writeString(dir.resolve("a-file"), "x");

    assertThatThrownBy(() -> ShopLogging.apply(settings(blocker.resolve("shop.log"), ShopLogging.Format.TEXT, Map.of())))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("cannot write " + blocker.resolve("shop.log"));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "dev.bulwark=LOUD              | level must be one of TRACE, DEBUG, INFO, WARN, ERROR, OFF, but was 'LOUD' for dev.bulwark",
      "dev.bulwark                   | items must be LOGGER=LEVEL, but was 'dev.bulwark'",
      "=DEBUG                        | logger must be a package or class name or root, but was ''",
      "dev..bulwark=DEBUG            | logger must be a package or class name or root, but was 'dev..bulwark'",
      "dev.bulwark=INFO,             | items must be LOGGER=LEVEL, but was ''",
  })
  void parseLevels_refusesNamingTheBadItem(String text, String message) {
    assertThatThrownBy(() -> ShopLogging.parseLevels(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--log-level " + message);
  }

  @Test
  void parseLevels_acceptsAnyCaseAndRoot() {
    assertThat(ShopLogging.parseLevels("dev.bulwark=debug, io.vertx = Warn,root=ERROR"))
        .containsExactly(Map.entry("dev.bulwark", Level.DEBUG), Map.entry("io.vertx", Level.WARN),
            Map.entry(org.slf4j.Logger.ROOT_LOGGER_NAME, Level.ERROR));
  }
}
