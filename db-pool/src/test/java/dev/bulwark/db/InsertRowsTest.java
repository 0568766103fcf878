package dev.bulwark.db;

import static dev.bulwark.db.TestSupport.await;
import static dev.bulwark.db.TestSupport.awaitFailure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Db#insertRows}: JDBC batches on both databases, COPY on PostgreSQL (batches on H2), all
 * or nothing, identifiers checked at call time.
 */
@ExtendWith(VertxExtension.class)
class InsertRowsTest {

  /** Values that break naive CSV or SQL: separators, quotes, line ends, COPY's markers, unicode. */
  private static final List<String> TRICKY = Arrays.asList(
      "plain",
      "comma, inside",
      "\"quoted\" and \"\"doubled\"\"",
      "line\nbreak",
      "carriage\r\nreturn",
      "",
      null,
      "\"\"",
      "\\.",
      "\\N",
      "back\\slash",
      " padded ",
      "x'); DROP TABLE users; --",
      "Zoë – 日本語 – 😀",
      "tab\there",
      "NULL");

  static Stream<Arguments> backendsAndModes() {
    return Stream.of(Backend.values()).flatMap(b -> Stream.of(
        Arguments.of(b, InsertOptions.Mode.BATCH), Arguments.of(b, InsertOptions.Mode.COPY)));
  }

  private static List<Object[]> numbered(int n) {
    List<Object[]> rows = new ArrayList<>(n);
    for (int i = 1; i <= n; i++) {
      rows.add(new Object[] {(long) i, "name-" + i});
    }
    return rows;
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("backendsAndModes")
  void insertRows_insertsEveryRowAcrossChunks(Backend backend, InsertOptions.Mode mode, Vertx vertx) {
    try (TestDb t = TestDb.open(vertx, backend, b -> b.maximumPoolSize(2))) {
      String users = t.table("users", "id BIGINT PRIMARY KEY, name VARCHAR(50) NOT NULL");

      long inserted = await(t.db().insertRows(users, List.of("id", "name"), numbered(2500),
          new InsertOptions(mode, 1000)));

      assertThat(inserted).isEqualTo(2500);
      assertThat(t.rows("SELECT count(*), sum(id), min(name), max(id) FROM " + users).get(0))
          .extracting(v -> v instanceof Number ? ((Number) v).longValue() : v)
          .containsExactly(2500L, 2500L * 2501 / 2, "name-1", 2500L);
      assertThat(t.rows("SELECT name FROM " + users + " WHERE id = 1737")).containsExactly(List.of("name-1737"));
    }
  }

  /** On PostgreSQL COPY mode really is COPY (CSV-encoded); on H2 it falls back to batches. */
  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("backendsAndModes")
  void insertRows_preservesTrickyValuesExactly(Backend backend, InsertOptions.Mode mode, Vertx vertx) {
    try (TestDb t = TestDb.open(vertx, backend, b -> b.maximumPoolSize(2))) {
      String notes = t.table("notes", "id BIGINT PRIMARY KEY, body VARCHAR(200), flag BOOLEAN");
      List<Object[]> rows = new ArrayList<>();
      for (int i = 0; i < TRICKY.size(); i++) {
        rows.add(new Object[] {(long) i, TRICKY.get(i), i % 2 == 0});
      }

      long inserted = await(t.db().insertRows(notes, List.of("id", "body", "flag"), rows,
          new InsertOptions(mode, 4)));

      assertThat(inserted).isEqualTo(TRICKY.size());
      List<List<Object>> back = t.rows("SELECT body, flag FROM " + notes + " ORDER BY id");
      assertThat(back).extracting(r -> (String) r.get(0)).containsExactlyElementsOf(TRICKY);
      assertThat(back).extracting(r -> (Boolean) r.get(1))
          .containsExactlyElementsOf(Stream.iterate(0, i -> i + 1).limit(TRICKY.size()).map(i -> i % 2 == 0).toList());
    }
  }

  static Stream<Arguments> violations() {
    return backendsAndModes().flatMap(a -> Stream.of(
        Arguments.of(a.get()[0], a.get()[1], "NOT NULL"), Arguments.of(a.get()[0], a.get()[1], "PRIMARY KEY")));
  }

  /** The bad row comes after a whole chunk was already sent: that chunk must be rolled back too. */
  @ParameterizedTest(name = "{0} {1} {2}")
  @MethodSource("violations")
  void insertRows_isAllOrNothing_whenARowViolatesAConstraint(Backend backend, InsertOptions.Mode mode,
      String violation, Vertx vertx) {
    try (TestDb t = TestDb.open(vertx, backend, b -> b.maximumPoolSize(2))) {
      String users = t.table("users", "id BIGINT PRIMARY KEY, name VARCHAR(50) NOT NULL");
      List<Object[]> rows = numbered(1500);
      rows.set(1200, violation.equals("NOT NULL") ? new Object[] {1201L, null} : new Object[] {5L, "dup"});

      Throwable failure = awaitFailure(t.db().insertRows(users, List.of("id", "name"), rows,
          new InsertOptions(mode, 1000)));

      assertThat(failure).isInstanceOf(SQLException.class);
      assertThat(t.count(users)).isZero();
      assertThat(await(t.db().queryOne("SELECT 1", rs -> rs.getInt(1))))
          .as("the connection went back usable").contains(1);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Backend.class)
  void insertRows_ofNoRows_insertsNothing(Backend backend, Vertx vertx) {
    try (TestDb t = TestDb.open(vertx, backend, b -> b.maximumPoolSize(1))) {
      String users = t.table("users", "id BIGINT PRIMARY KEY, name VARCHAR(50)");

      assertThat(await(t.db().insertRows(users, List.of("id", "name"), List.of(), InsertOptions.COPY))).isZero();
      assertThat(t.count(users)).isZero();
    }
  }

  static Stream<Arguments> badIdentifiers() {
    return Stream.of(
        Arguments.of("users; DROP TABLE users", List.of("id"), "table must", "'users; DROP TABLE users'"),
        Arguments.of("1abc", List.of("id"), "table must", "'1abc'"),
        Arguments.of("users\"", List.of("id"), "table must", "'users\"'"),
        Arguments.of("a.b.c", List.of("id"), "table must", "'a.b.c'"),
        Arguments.of("users", List.of("a b"), "column must", "'a b'"),
        Arguments.of("users", List.of("id", "name) VALUES (1); --"), "column must", "'name) VALUES (1); --'"),
        Arguments.of("users", List.of("public.id"), "column must", "'public.id'"),
        Arguments.of("users", List.of(), "columns must", "[]"));
  }

  @ParameterizedTest(name = "table={0} columns={1}")
  @MethodSource("badIdentifiers")
  void insertRows_rejectsBadIdentifiersAtCallTime(String table, List<String> columns, String rule,
      String shownValue, Vertx vertx) {
    try (TestDb t = TestDb.open(vertx, Backend.H2, b -> b.maximumPoolSize(1))) {
      List<Object[]> rows = new ArrayList<>();
      rows.add(new Object[columns.size()]);

      assertThatThrownBy(() -> t.db().insertRows(table, columns, rows, InsertOptions.BATCH))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith(rule)
          .hasMessageEndingWith(shownValue);
    }
  }

  @Test
  void insertRows_rejectsRowOfWrongWidthAtCallTime(Vertx vertx) {
    try (TestDb t = TestDb.open(vertx, Backend.H2, b -> b.maximumPoolSize(1))) {
      String users = t.table("users", "id BIGINT PRIMARY KEY, name VARCHAR(50)");
      List<Object[]> rows = List.of(new Object[] {1L, "a"}, new Object[] {2L}, new Object[] {3L, "c"});

      assertThatThrownBy(() -> t.db().insertRows(users, List.of("id", "name"), rows, InsertOptions.BATCH))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("row 1").hasMessageContaining("2 values").hasMessageContaining("had 1");
      assertThat(t.count(users)).isZero();
    }
  }

  @Test
  void insertOptions_rejectChunkSizeBelowOne() {
    assertThatThrownBy(() -> new InsertOptions(InsertOptions.Mode.BATCH, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("chunkSize must be >= 1, but was 0");
  }
  /**
   * A value fails while the COPY is under way and the server has just ended the session (the
   * value's toString terminates it first): cancelling the COPY then fails too, but the caller
   * learns the value's failure, with the cancel's under it, not the cancel's in its place.
   */
  @Test
  void copyFailingOnABrokenSession_reportsTheOriginalFailure_theCancelsSuppressed(Vertx vertx) {
    try (TestDb t = TestDb.open(vertx, Backend.POSTGRES, b -> b.maximumPoolSize(1))) {
      String users = t.table("users", "id BIGINT PRIMARY KEY, name VARCHAR(50)");
      int pid = await(t.db().queryOne("SELECT pg_backend_pid()", rs -> rs.getInt(1))).orElseThrow();
      IllegalStateException boom = new IllegalStateException("boom");
      Object killer = new Object() {
        @Override
        public String toString() {
          t.execute("SELECT pg_terminate_backend(" + pid + ")");
          org.awaitility.Awaitility.await().atMost(TestSupport.WAIT).until(() -> t.rows(
              "SELECT count(*) FROM pg_stat_activity WHERE pid = " + pid).get(0).get(0).equals(0L));
          throw boom;
        }
      };

      Throwable failure = awaitFailure(t.db().insertRows(users, List.of("id", "name"),
          List.<Object[]>of(new Object[] {1L, "one"}, new Object[] {2L, killer}), InsertOptions.COPY));

      assertThat(failure).isSameAs(boom);
      assertThat(boom.getSuppressed()).as("the cancel's and the rollback's failures").isNotEmpty();
      assertThat(t.count(users)).isZero();
    }
  }
}
