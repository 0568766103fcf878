package dev.bulwark.db;

import static dev.bulwark.db.TestSupport.await;
import static dev.bulwark.db.TestSupport.awaitFailure;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Statements are timed per query name and outcome; HikariCP's own pool gauges are registered. */
@ExtendWith(VertxExtension.class)
class MetricsTest {

  @ParameterizedTest(name = "{0}")
  @EnumSource(Backend.class)
  void namedQueries_areTimedByNameAndOutcome_andPoolGaugesExist(Backend backend, Vertx vertx) {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (TestDb t = TestDb.open(vertx, backend, b -> b.poolName("metered").maximumPoolSize(2)
        .meterRegistry(registry))) {
      Db byId = t.db().named("by-id");

      for (int i = 1; i <= 3; i++) {
        assertThat(await(byId.queryOne("SELECT ?", rs -> rs.getInt(1), i))).contains(i);
      }
      awaitFailure(t.db().named("broken").query("SELECT * FROM no_such_table", rs -> 1));
      await(t.db().query("SELECT 1", rs -> rs.getInt(1)));

      Timer success = registry.find("bulwark.db.query")
          .tags("pool", "metered", "query", "by-id", "outcome", "success").timer();
      assertThat(success).isNotNull();
      assertThat(success.count()).isEqualTo(3);
      assertThat(registry.find("bulwark.db.query").tags("query", "by-id", "outcome", "error").timer()).isNull();
      Timer error = registry.find("bulwark.db.query")
          .tags("pool", "metered", "query", "broken", "outcome", "error").timer();
      assertThat(error).isNotNull();
      assertThat(error.count()).isEqualTo(1);
      assertThat(registry.find("bulwark.db.query").tags("query", "unnamed", "outcome", "success").timer())
          .isNotNull();

      Gauge active = registry.find("hikaricp.connections.active").tag("pool", "metered").gauge();
      assertThat(active).as("HikariCP's active-connections gauge").isNotNull();
      assertThat(active.value()).isGreaterThanOrEqualTo(0);
      Gauge max = registry.find("hikaricp.connections.max").tag("pool", "metered").gauge();
      assertThat(max).isNotNull();
      assertThat(max.value()).isEqualTo(2);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Backend.class)
  void close_removesEveryMeterOfThePool_andAPoolOpenedAgainUnderItsNameRegistersFreshOnes(
      Backend backend, Vertx vertx) {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    registry.counter("other.meter", "pool", "reopened");
    for (int round = 1; round <= 2; round++) {
      int size = round + 1;
      try (TestDb t = TestDb.open(vertx, backend, b -> b.poolName("reopened").maximumPoolSize(size)
          .meterRegistry(registry))) {
        await(t.db().named("q").query("SELECT 1", rs -> rs.getInt(1)));
        assertThat(registry.get("hikaricp.connections.max").tag("pool", "reopened").gauge().value())
            .isEqualTo(size);
        assertThat(registry.get("bulwark.pool.limit").tag("pool", "reopened-jdbc").gauge().value())
            .isEqualTo(size);
        assertThat(registry.get("bulwark.db.query").tags("pool", "reopened", "query", "q").timer().count())
            .isEqualTo(1);
      }
      assertThat(registry.getMeters()).as("meters left after close, round " + round)
          .extracting(m -> m.getId().getName()).containsExactly("other.meter");
    }
  }
}
