package dev.bulwark.db;

import static dev.bulwark.db.TestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bulwark.core.testing.Scorecard;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile SQL names where the API takes names ({@link Db#insertRows}'s table and columns,
 * {@link BatchLoader}'s array element type): injection attempts, quoted names, Unicode
 * look-alikes, names PostgreSQL would truncate. Each is refused at call time with an
 * {@link IllegalArgumentException} naming the argument and showing the value (non-ASCII
 * escaped), before anything reaches the database; the legitimate edge cases still work.
 */
@ExtendWith(VertxExtension.class)
class IdentifierHostileTest {

  private static final AtomicInteger TRIED = new AtomicInteger();
  private static final AtomicInteger REFUSED = new AtomicInteger();

  /** Names no API taking an identifier may accept, each with how its message must show it. */
  static Stream<Arguments> hostileNames() {
    return Stream.of(
        Arguments.of("users; DROP TABLE users", "'users; DROP TABLE users'"),
        Arguments.of("users--", "'users--'"),
        Arguments.of("users/**/", "'users/**/'"),
        Arguments.of("x) VALUES (1); DELETE FROM users; --", "'x) VALUES (1); DELETE FROM users; --'"),
        Arguments.of("\"users\"", "'\"users\"'"),
        Arguments.of("\"us\"\"ers\"", "'\"us\"\"ers\"'"),
        Arguments.of("users\"; DROP TABLE t; --", "'users\"; DROP TABLE t; --'"),
        Arguments.of("`users`", "'`users`'"),
        Arguments.of("[users]", "'[users]'"),
        Arguments.of("users'", "'users''"),
        Arguments.of("U&\"\\0075sers\"", "'U&\"\\0075sers\"'"),
        Arguments.of("us\u0435rs", "'us\\u0435rs'"),                   // Cyrillic e
        Arguments.of("\uff55sers", "'\\uff55sers'"),                    // fullwidth u
        Arguments.of("users\u200b", "'users\\u200b'"),                  // zero-width space
        Arguments.of("us\u0131ers", "'us\\u0131ers'"),                  // dotless i
        Arguments.of("users\u0000", "'users\\u0000'"),
        Arguments.of("users\n", "'users\\u000a'"),
        Arguments.of("users\r\nINFO forged log line", "'users\\u000d\\u000aINFO forged log line'"),
        Arguments.of(" users", "' users'"),
        Arguments.of("", "''"),
        Arguments.of("1users", "'1users'"),
        Arguments.of("$users", "'$users'"),
        Arguments.of("a".repeat(64), "'" + "a".repeat(64) + "'"),      // PostgreSQL truncates to 63
        Arguments.of("a.b.c", "'a.b.c'"),
        Arguments.of(null, "null"));
  }

  @ParameterizedTest(name = "[{index}] table {1}")
  @MethodSource("hostileNames")
  void insertRows_refusesHostileTable(String name, String shown, Vertx vertx) {
    refused(vertx, db -> db.insertRows(name, List.of("id"), oneRow(1), InsertOptions.BATCH),
        "table must be an identifier", shown);
  }

  @ParameterizedTest(name = "[{index}] column {1}")
  @MethodSource("hostileNames")
  void insertRows_refusesHostileColumn(String name, String shown, Vertx vertx) {
    refused(vertx, db -> db.insertRows("t", Arrays.asList("id", name), oneRow(2), InsertOptions.COPY),
        "column must be an identifier", shown);
  }

  @ParameterizedTest(name = "[{index}] column {1}")
  @MethodSource("hostileNames")
  void insertRows_refusesHostileColumn_evenAfterValidOnes(String name, String shown, Vertx vertx) {
    refused(vertx, db -> db.insertRows("t", Arrays.asList("a", "b", name), oneRow(3),
        InsertOptions.BATCH), "column must be an identifier", shown);
  }

  @ParameterizedTest(name = "[{index}] sqlArrayType {1}")
  @MethodSource("hostileNames")
  void batchLoader_refusesHostileArrayType(String name, String shown, Vertx vertx) {
    refused(vertx, db -> BatchLoader.byKey(db, "SELECT id FROM t WHERE id = ANY(?)", name,
        rs -> rs.getLong(1), v -> v), "sqlArrayType must be an SQL type name", shown);
    refused(vertx, db -> BatchLoader.grouped(db, "SELECT id FROM t WHERE id = ANY(?)", name,
        rs -> rs.getLong(1), v -> v), "sqlArrayType must be an SQL type name", shown);
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Backend.class)
  void insertRows_refusesQualifiedOrRepeatedColumns(Backend backend, Vertx vertx) {
    try (TestDb t = TestDb.open(vertx, backend, b -> b.maximumPoolSize(1))) {
      String table = t.table("hostile", "id INT, name VARCHAR(20)");
      assertRefused(() -> t.db().insertRows(table, List.of("public.id"), oneRow(1), InsertOptions.BATCH),
          "column must be an identifier", "but was 'public.id'");
      assertRefused(() -> t.db().insertRows(table, List.of("id", "ID"), oneRow(2), InsertOptions.BATCH),
          "columns must be distinct", "'ID' repeats in [id, ID]");
      assertThat(t.count(table)).as("nothing reached the table").isZero();
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Backend.class)
  void legitimateEdgeNames_work(Backend backend, Vertx vertx) {
    try (TestDb t = TestDb.open(vertx, backend, b -> b.maximumPoolSize(1))) {
      // The longest name PostgreSQL keeps whole (63), and a schema-qualified name.
      String longColumn = "c" + "x".repeat(62);
      String table = t.table("edge", "id BIGINT, " + longColumn + " VARCHAR(10)");
      String schema = backend.isPostgres() ? "public." : "PUBLIC.";
      long n = await(t.db().insertRows(schema + table, List.of("id", longColumn),
          List.of(new Object[] {1L, "a"}, new Object[] {2L, "b"}), InsertOptions.COPY));
      assertThat(n).isEqualTo(2);
      BatchLoader<Long, Long> loader = BatchLoader.byKey(t.db(),
          "SELECT id FROM " + table + " WHERE id = ANY(?)", "bigint", rs -> rs.getLong(1), v -> v);
      assertThat(await(loader.load(2L))).contains(2L);
      assertThat(await(loader.load(3L))).isEmpty();
    }
  }

  @AfterAll
  static void score() {
    Scorecard.hostile(IdentifierHostileTest.class, "hostile SQL identifiers",
        "injection, quoted names, Unicode look-alikes, control characters and over-long names passed as"
            + " insertRows table/columns and BatchLoader sqlArrayType",
        Scorecard.figures("cases", TRIED.get(), "refused", REFUSED.get(),
            "accepted", TRIED.get() - REFUSED.get()));
  }

  private static void refused(Vertx vertx, Function<Db, Object> call, String rule, String shown) {
    try (TestDb t = TestDb.open(vertx, Backend.H2, b -> b.maximumPoolSize(1))) {
      assertRefused(() -> call.apply(t.db()), rule, "but was " + shown);
    }
  }

  private static void assertRefused(Runnable call, String rule, String ending) {
    TRIED.incrementAndGet();
    assertThatThrownBy(call::run)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(rule)
        .hasMessageEndingWith(ending);
    REFUSED.incrementAndGet();
  }

  private static List<Object[]> oneRow(int width) {
    List<Object[]> rows = new ArrayList<>();
    rows.add(new Object[width]);
    return rows;
  }
}
