package dev.bulwark.db;

import static dev.bulwark.core.testing.InMemoryTracing.childOf;
import static dev.bulwark.core.testing.InMemoryTracing.named;
import static dev.bulwark.db.TestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.bulwark.core.testing.InMemoryTracing;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A query of a traced request is a client span under the bridge's run span. */
class DbTracingTest {

  private static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("db.system");
  private static final AttributeKey<String> TEXT = AttributeKey.stringKey("db.query.text");
  private static final AttributeKey<String> OPERATION = AttributeKey.stringKey("db.operation.name");

  private static InMemoryTracing tracing;
  private static Vertx vertx;

  @BeforeAll
  static void install() {
    tracing = new InMemoryTracing();
    vertx = tracing.vertx();
  }

  @AfterAll
  static void uninstall() {
    await(vertx.close());
    tracing.close();
  }

  @BeforeEach
  void forget() {
    tracing.reset();
  }

  @Test
  void query_isADbSpanUnderTheRunSpan_withItsLiteralsMasked() {
    try (TestDb t = TestDb.open(vertx, Backend.H2, b -> b.poolName("traced"))) {
      String users = t.table("users", "id BIGINT PRIMARY KEY, name VARCHAR(50) NOT NULL");
      t.execute("INSERT INTO " + users + " VALUES (1, 'secret'), (2, 'other')");
      Db named = t.db().named("user-by-name");

      List<Long> ids = await(InMemoryTracing.underSpan(vertx, "request", () -> named.query(
          "SELECT id FROM " + users + " WHERE name = 'secret' AND id < 100", rs -> rs.getLong(1))));

      assertThat(ids).containsExactly(1L);
      SpanData request = tracing.await("request", named("request"));
      SpanData run = tracing.await("run", named("run traced-jdbc"));
      SpanData query = tracing.await("query", named("user-by-name"));
      assertThat(run).matches(childOf(request), "run under the request");
      assertThat(query).matches(childOf(run), "query under the run");
      assertThat(query.getKind()).isEqualTo(SpanKind.CLIENT);
      assertThat(query.getAttributes().get(SYSTEM)).isEqualTo("h2");
      assertThat(query.getAttributes().get(OPERATION)).isEqualTo("SELECT");
      assertThat(query.getAttributes().get(TEXT))
          .isEqualTo("SELECT id FROM " + users + " WHERE name = ? AND id < ?");
    }
  }

  @Test
  void batchLoader_isOneDbSpanWithItsQuery() {
    try (TestDb t = TestDb.open(vertx, Backend.H2, b -> b.poolName("batched"))) {
      String users = t.table("users", "id BIGINT PRIMARY KEY, name VARCHAR(50) NOT NULL");
      t.execute("INSERT INTO " + users + " VALUES (1, 'a'), (2, 'b')");
      String sql = "SELECT id, name FROM " + users + " WHERE id = ANY(?)";
      BatchLoader<Long, String> names = BatchLoader.byKey(t.db().named("names"), sql, "bigint",
          rs -> rs.getLong(1) + ":" + rs.getString(2), s -> Long.parseLong(s.split(":")[0]));

      List<Optional<String>> loaded = await(InMemoryTracing.underSpan(vertx, "request",
          () -> Future.all(names.load(1L), names.load(2L)).map(all -> all.<Optional<String>>list())));

      assertThat(loaded).containsExactly(Optional.of("1:a"), Optional.of("2:b"));
      SpanData query = tracing.await("query", named("names"));
      assertThat(query.getAttributes().get(TEXT)).isEqualTo(sql);
      assertThat(tracing.spans()).filteredOn(s -> s.getName().equals("names")).hasSize(1);
    }
  }

  @Test
  void query_withoutACurrentSpan_makesNoSpan() {
    try (TestDb t = TestDb.open(vertx, Backend.H2, b -> b.poolName("untraced"))) {
      assertThat(await(t.db().query("SELECT 1", rs -> rs.getInt(1)))).containsExactly(1);
      assertThat(tracing.spans()).isEmpty();
    }
  }
}
