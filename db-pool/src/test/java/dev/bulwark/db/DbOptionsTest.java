package dev.bulwark.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Options are validated where they are set, name option and value, and never show a password. */
@ExtendWith(VertxExtension.class)
class DbOptionsTest {

  private static final String URL = "jdbc:h2:mem:options";

  private static DbOptions.Builder builder() {
    return DbOptions.builder(URL);
  }

  static Stream<Arguments> invalidOptions() {
    return Stream.of(
        Arguments.of("maximumPoolSize 0", (ThrowingCallable) () -> builder().maximumPoolSize(0),
            "maximumPoolSize must be >= 1, but was 0"),
        Arguments.of("maxWaiters -1", (ThrowingCallable) () -> builder().maxWaiters(-1),
            "maxWaiters must be >= 0, but was -1"),
        Arguments.of("connectionTimeout 100ms",
            (ThrowingCallable) () -> builder().connectionTimeout(Duration.ofMillis(100)),
            "connectionTimeout must be >= 250ms, but was PT0.1S"),
        Arguments.of("leakDetectionThreshold 1s",
            (ThrowingCallable) () -> builder().leakDetectionThreshold(Duration.ofSeconds(1)),
            "leakDetectionThreshold must be 0 or >= 2s and <= 30m (HikariCP's maxLifetime), but was PT1S"),
        Arguments.of("waitTimeout 0", (ThrowingCallable) () -> builder().waitTimeout(Duration.ZERO),
            "waitTimeout must be > 0, but was PT0S"),
        Arguments.of("downProbeInterval null", (ThrowingCallable) () -> builder().downProbeInterval(null),
            "downProbeInterval must be > 0, but was null"),
        Arguments.of("statementTimeout -1s",
            (ThrowingCallable) () -> builder().statementTimeout(Duration.ofSeconds(-1)),
            "statementTimeout must be >= 0, but was PT-1S"),
        // JDBC's setQueryTimeout takes whole seconds: 500 ms would have been 0, no timeout at all.
        Arguments.of("statementTimeout 500ms",
            (ThrowingCallable) () -> builder().statementTimeout(Duration.ofMillis(500)),
            "statementTimeout must be a whole number of seconds >= 1s, but was PT0.5S"),
        Arguments.of("statementTimeout 1.5s",
            (ThrowingCallable) () -> builder().statementTimeout(Duration.ofMillis(1500)),
            "statementTimeout must be a whole number of seconds >= 1s, but was PT1.5S"),
        Arguments.of("statementTimeout above Integer.MAX_VALUE seconds",
            (ThrowingCallable) () -> builder().statementTimeout(Duration.ofSeconds(Integer.MAX_VALUE + 1L)),
            "statementTimeout must be at most " + Integer.MAX_VALUE + " seconds (JDBC's limit), but was PT596523H14M8S"),
        // HikariCP takes milliseconds: sub-millisecond parts would be dropped.
        Arguments.of("connectionTimeout 250.5ms",
            (ThrowingCallable) () -> builder().connectionTimeout(Duration.ofNanos(250_500_000)),
            "connectionTimeout must be a whole number of milliseconds, but was PT0.2505S"),
        Arguments.of("leakDetectionThreshold 2000.5ms",
            (ThrowingCallable) () -> builder().leakDetectionThreshold(Duration.ofNanos(2_000_500_000)),
            "leakDetectionThreshold must be a whole number of milliseconds, but was PT2.0005S"),
        // HikariCP quietly turns leak detection off above its maxLifetime (30 min here).
        Arguments.of("leakDetectionThreshold 1h",
            (ThrowingCallable) () -> builder().leakDetectionThreshold(Duration.ofHours(1)),
            "leakDetectionThreshold must be 0 or >= 2s and <= 30m (HikariCP's maxLifetime), but was PT1H"),
        Arguments.of("poolName with a space", (ThrowingCallable) () -> builder().poolName("my pool"),
            "poolName must be 1-64 letters, digits, '-', '_' or '.', but was 'my pool'"),
        Arguments.of("poolName empty", (ThrowingCallable) () -> builder().poolName(""),
            "poolName must be 1-64 letters, digits, '-', '_' or '.', but was ''"),
        Arguments.of("jdbcUrl foo", (ThrowingCallable) () -> DbOptions.builder("foo"),
            "jdbcUrl must start with 'jdbc:', but was 'foo'"),
        Arguments.of("jdbcUrl null", (ThrowingCallable) () -> DbOptions.builder(null),
            "jdbcUrl must start with 'jdbc:', but was 'null'"),
        Arguments.of("dataSourceProperty blank", (ThrowingCallable) () -> builder().dataSourceProperty(" ", "x"),
            "dataSourceProperty name must not be empty, but was ' '"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidOptions")
  void invalidOption_isRejectedWithOptionRuleAndValue(String description, ThrowingCallable set, String message) {
    assertThatThrownBy(set).isInstanceOf(IllegalArgumentException.class).hasMessage(message);
  }

  @Test
  void invalidJdbcUrl_messageMasksItsPassword() {
    assertThatThrownBy(() -> DbOptions.builder("postgresql://h/db?user=u&password=s3cret"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("jdbcUrl").hasMessageContaining("password=****")
        .hasMessageNotContaining("s3cret");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "jdbc:postgresql://127.0.0.1:5432/test?user=postgres&password=s3cret",
      "jdbc:postgresql://127.0.0.1:5432/test?password=s3cret&user=postgres",
      "jdbc:postgresql://127.0.0.1:5432/test?user=postgres&PASSWORD=s3cret",
      "jdbc:sqlserver://db;user=sa;password=s3cret;encrypt=false",
      "jdbc:mysql://bob:s3cret@127.0.0.1:3306/test"})
  void toStringAndMaskedUrl_neverShowThePassword(String url) {
    DbOptions options = DbOptions.builder(url).username("postgres").password("s3cret").build();

    assertThat(options.toString()).doesNotContain("s3cret").contains("****");
    assertThat(options.maskedUrl()).doesNotContain("s3cret").contains("****");
    assertThat(options.jdbcUrl()).as("the real URL is still there to connect with").contains("s3cret");
    assertThat(options.password()).isEqualTo("s3cret");
  }

  @Test
  void defaults_followTheDocumentedValues() {
    DbOptions options = builder().build();

    assertThat(options.maximumPoolSize()).isEqualTo(Runtime.getRuntime().availableProcessors() * 2 + 1)
        .isEqualTo(DbOptions.DEFAULT_MAXIMUM_POOL_SIZE);
    assertThat(options.maxWaiters()).isEqualTo(64);
    assertThat(options.poolName()).isEqualTo("db");
    assertThat(options.waitTimeout()).isEqualTo(Duration.ofSeconds(1));
    assertThat(options.connectionTimeout()).isEqualTo(Duration.ofSeconds(1));
    assertThat(options.downProbeInterval()).isEqualTo(Duration.ofMillis(250));
    assertThat(options.leakDetectionThreshold()).isZero();
    assertThat(options.toString()).contains("password=none");
    assertThat(options.isPostgres()).isFalse();
    assertThat(DbOptions.builder(Servers.PG_URL).build().isPostgres()).isTrue();
  }

  @Test
  void wholeValues_areKeptExactly_andZeroStatementTimeoutMeansNone() {
    DbOptions options = builder().statementTimeout(Duration.ofSeconds(1)).connectionTimeout(Duration.ofMillis(251))
        .leakDetectionThreshold(Duration.ofMinutes(30)).build();

    assertThat(options.statementTimeout()).isEqualTo(Duration.ofSeconds(1));
    assertThat(options.connectionTimeout()).isEqualTo(Duration.ofMillis(251));
    assertThat(options.leakDetectionThreshold()).isEqualTo(Duration.ofMinutes(30));
    assertThat(builder().statementTimeout(Duration.ZERO).build().statementTimeout()).isZero();
  }

  /** The pool HikariCP builds gets exactly the configured values, not rounded or reset ones. */
  @Test
  void hikariGetsTheConfiguredMilliseconds(Vertx vertx) {
    try (TestDb t = TestDb.open(vertx, Backend.H2, b -> b.maximumPoolSize(1)
        .connectionTimeout(Duration.ofMillis(1234)).leakDetectionThreshold(Duration.ofMillis(2345)))) {
      HikariDataSource hikari = t.db().unwrap(HikariDataSource.class);

      assertThat(hikari.getConnectionTimeout()).isEqualTo(1234);
      assertThat(hikari.getLeakDetectionThreshold()).isEqualTo(2345);
    }
  }

  @Test
  void builtOptions_areNotChangedByLaterBuilderCalls() {
    DbOptions.Builder b = builder().dataSourceProperty("a", "1").maximumPoolSize(3);
    DbOptions options = b.build();
    b.dataSourceProperty("b", "2").maximumPoolSize(9);

    assertThat(options.maximumPoolSize()).isEqualTo(3);
    assertThat(options.dataSourceProperties()).containsOnlyKeys("a");
    assertThatThrownBy(() -> options.dataSourceProperties().put("c", "3"))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void unwrap_givesTheHikariPool_andRejectsOtherTypes(Vertx vertx) {
    try (TestDb t = TestDb.open(vertx, Backend.H2, b -> b.poolName("wrapped").maximumPoolSize(1))) {
      HikariDataSource hikari = t.db().unwrap(HikariDataSource.class);

      assertThat(hikari.getPoolName()).isEqualTo("wrapped");
      assertThat(hikari.getMaximumPoolSize()).isEqualTo(1);
      assertThat(t.db().unwrap(DataSource.class)).isSameAs(hikari);
      assertThat(t.db().named("x").unwrap(HikariDataSource.class)).as("views share the pool").isSameAs(hikari);
      assertThatThrownBy(() -> t.db().unwrap(String.class))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("java.lang.String");
    }
  }

  @Test
  void named_rejectsBadQueryNames(Vertx vertx) {
    try (TestDb t = TestDb.open(vertx, Backend.H2, b -> b.maximumPoolSize(1))) {
      assertThatThrownBy(() -> t.db().named("by id"))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'by id'");
    }
  }

  @Test
  void txOptions_rejectInvalidValues() {
    assertThatThrownBy(() -> TxOptions.DEFAULT.withMaxAttempts(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxAttempts must be >= 1, but was 0");
    assertThatThrownBy(() -> TxOptions.DEFAULT.withIsolation(3))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("isolation").hasMessageEndingWith("3");
    assertThatThrownBy(() -> new TxOptions(-1, false, 1, Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("backoff must be >= 0, but was PT-0.001S");
    // The backoff is a Vert.x timer, in milliseconds: 0.5 ms would have become 1 ms.
    assertThatThrownBy(() -> new TxOptions(-1, false, 2, Duration.ofNanos(500_000)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("backoff must be a whole number of milliseconds, but was PT0.0005S");
    assertThat(new TxOptions(-1, false, 2, Duration.ZERO).backoff()).isZero();
  }

  /** A window is a Vert.x timer, in milliseconds: 0.5 ms would have become 0, "end of the turn". */
  @Test
  void batchLoaderWindow_refusesSubMillisecondValues() {
    assertThatThrownBy(() -> BatchLoader.create(null, Duration.ofNanos(500_000), 10, (c, keys) -> java.util.Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("window must be 0 or a whole number of milliseconds, but was PT0.0005S");
    assertThatThrownBy(() -> BatchLoader.create(null, Duration.ofMillis(-1), 10, (c, keys) -> java.util.Map.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("window must be >= 0, but was PT-0.001S");
  }
}
