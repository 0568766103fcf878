package dev.bulwark.db;

import static dev.bulwark.db.TestSupport.await;
import static dev.bulwark.db.TestSupport.awaitCompletion;
import static dev.bulwark.db.TestSupport.awaitFailure;
import static org.assertj.core.api.Assertions.assertThat;

import dev.bulwark.core.testing.FaultProxy;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * While the database is unreachable callers fail fast with {@link DbUnavailableException}
 * instead of each waiting out the connection timeout; one probe per interval notices recovery.
 * Faults come from a {@link FaultProxy} in front of the real PostgreSQL, or from a closed port.
 */
@ExtendWith(VertxExtension.class)
class DownDetectionTest {

  private static final String PASSWORD = "s3cret";

  /**
   * A probe every 5 s: the tests count the calls that fail fast, and with a shorter interval a
   * loaded machine's slow calls would each find the next probe due. Recovery waits for one probe.
   */
  private static DbOptions.Builder flaky(DbOptions.Builder b) {
    return b.poolName("flaky").maximumPoolSize(2).connectionTimeout(Duration.ofSeconds(1))
        .downProbeInterval(Duration.ofSeconds(5)).waitTimeout(Duration.ofSeconds(5));
  }

  /** What a caller may see when the database goes away: a broken connection or an unreachable server. */
  private static boolean isConnectionFailure(Throwable e) {
    if (e instanceof DbUnavailableException || e instanceof SQLTransientConnectionException) {
      return true;
    }
    return e instanceof SQLException s && s.getSQLState() != null && s.getSQLState().startsWith("08");
  }

  /** Unavailable errors raised before any connection attempt, the fast path. */
  private static boolean isFastFailure(Throwable e) {
    return e instanceof DbUnavailableException && e.getMessage().contains("failing fast");
  }

  private static Optional<Integer> selectOne(Db db) {
    return await(db.queryOne("SELECT 1", rs -> rs.getInt(1)));
  }

  @Test
  void whileDown_callsFailFast_andRecoverOnceTheServerIsBack(Vertx vertx) throws IOException {
    Servers.assumePostgres();
    try (FaultProxy proxy = FaultProxy.start(Servers.PG_HOST, Servers.PG_PORT);
        TestDb t = TestDb.openVia(vertx, Backend.POSTGRES, "jdbc:postgresql://127.0.0.1:" + proxy.port()
            + "/test?user=postgres&password=" + PASSWORD, DownDetectionTest::flaky)) {
      Db db = t.db();
      assertThat(selectOne(db)).contains(1);
      assertThat(db.stats().up()).isTrue();

      proxy.cut();
      List<Throwable> early = new ArrayList<>();
      while (db.stats().up() && early.size() < 10) {
        early.add(awaitFailure(db.queryOne("SELECT 1", rs -> rs.getInt(1))));
      }

      assertThat(db.stats().up()).as("down detected; failures so far: %s", early).isFalse();
      assertThat(early).allSatisfy(e -> assertThat(isConnectionFailure(e)).as("%s", e).isTrue());

      List<Throwable> whileDown = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        whileDown.add(awaitFailure(db.queryOne("SELECT 1", rs -> rs.getInt(1))));
      }

      assertThat(whileDown).allSatisfy(e -> assertThat(isConnectionFailure(e)).as("%s", e).isTrue());
      assertThat(whileDown.stream().filter(DownDetectionTest::isFastFailure).count())
          .as("calls that failed without trying to connect").isGreaterThanOrEqualTo(15);
      assertThat(whileDown).allSatisfy(e -> {
        assertThat(e.getMessage()).contains("flaky").doesNotContain(PASSWORD);
        if (e instanceof DbUnavailableException) {
          assertThat(e.getStackTrace()).as("unavailable errors are cheap").isEmpty();
        }
      });
      assertThat(db.stats().up()).isFalse();

      proxy.restore();
      // The next probe is due up to 5 s after the last failed attempt.
      Awaitility.await("recovered").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
          .until(() -> awaitCompletion(db.queryOne("SELECT 1", rs -> rs.getInt(1))).succeeded());

      assertThat(db.stats().up()).isTrue();
      for (int i = 0; i < 5; i++) {
        assertThat(selectOne(db)).contains(1);
      }
    }
  }

  @Test
  void databaseDownAtStart_poolStartsAnyway_andCallsFailFastWithUnavailable(Vertx vertx) throws IOException {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    Db db = Db.create(vertx, flaky(DbOptions.builder("jdbc:postgresql://127.0.0.1:" + closedPort
        + "/test?user=postgres&password=" + PASSWORD)).build());
    try {
      Throwable first = awaitFailure(db.queryOne("SELECT 1", rs -> rs.getInt(1)));

      assertThat(isConnectionFailure(first)).as("%s", first).isTrue();
      assertThat(db.stats().up()).isFalse();

      List<Throwable> next = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        next.add(awaitFailure(db.update("UPDATE nothing SET x = 1")));
      }
      assertThat(next.stream().filter(DownDetectionTest::isFastFailure).count()).isGreaterThanOrEqualTo(8);
      DbUnavailableException fast = (DbUnavailableException) next.stream()
          .filter(DownDetectionTest::isFastFailure).findFirst().orElseThrow();
      assertThat(fast.getMessage()).contains("flaky", "unreachable").doesNotContain(PASSWORD);
      assertThat(fast.retryAfter()).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
      assertThat(fast).isInstanceOf(dev.bulwark.core.Overloaded.class);
      assertThat(fast.getStackTrace()).isEmpty();
      assertThat(fast.getCause()).as("the failed connection attempt").isInstanceOf(java.sql.SQLException.class);
      assertThat(fast.getCause().toString()).doesNotContain(PASSWORD);
      assertThat(fast.sqlState()).as("a connection exception").startsWith("08");
      assertThat(db.stats().active()).isZero();
    } finally {
      await(db.close());
    }
  }
}
