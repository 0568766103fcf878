package dev.bulwark.db;

import static dev.bulwark.db.TestSupport.await;
import static dev.bulwark.db.TestSupport.awaitFailure;
import static org.assertj.core.api.Assertions.assertThat;

import dev.bulwark.db.impl.DefaultBatchLoader;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@link BatchLoader}: the loads of one event-loop turn become one query. */
@ExtendWith(VertxExtension.class)
class BatchLoaderTest {

  record User(long id, String name) {
  }

  record Post(long id, long userId, String title) {
  }

  /** Users 1..40 exist; 41..50 do not. */
  private static String users(TestDb t) {
    String users = t.table("users", "id BIGINT PRIMARY KEY, name VARCHAR(50) NOT NULL");
    StringBuilder sql = new StringBuilder("INSERT INTO " + users + " (id, name) VALUES ");
    for (int i = 1; i <= 40; i++) {
      sql.append(i == 1 ? "" : ", ").append("(").append(i).append(", 'user-").append(i).append("')");
    }
    t.execute(sql.toString());
    return users;
  }

  private static BatchLoader<Long, User> byId(Db db, String users) {
    return BatchLoader.byKey(db, "SELECT id, name FROM " + users + " WHERE id = ANY(?)", "bigint",
        rs -> new User(rs.getLong(1), rs.getString(2)), User::id);
  }

  /** Calls {@code loads} in one task on {@code context}; returns the futures once it has run. */
  private static <V> List<Future<V>> inOneTurn(Context context, Function<Integer, Future<V>> load, int n) {
    CompletableFuture<List<Future<V>>> issued = new CompletableFuture<>();
    context.runOnContext(v -> {
      List<Future<V>> futures = new ArrayList<>();
      for (int i = 1; i <= n; i++) {
        futures.add(load.apply(i));
      }
      issued.complete(futures);
    });
    try {
      return issued.get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Backend.class)
  void loadsOfOneTurn_becomeOneBatch_andResolveOnTheirContext(Backend backend, Vertx vertx) {
    try (TestDb t = TestDb.open(vertx, backend, b -> b.maximumPoolSize(2))) {
      BatchLoader<Long, User> loader = byId(t.db(), users(t));
      Context context = vertx.getOrCreateContext();
      List<Context> completedOn = new CopyOnWriteArrayList<>();

      List<Future<Optional<User>>> futures = inOneTurn(context, i -> loader.load((long) i)
          .onComplete(ar -> completedOn.add(Vertx.currentContext())), 50);
      List<Optional<User>> results = futures.stream().map(TestSupport::await).toList();

      assertThat(loader.batchesDispatched()).isEqualTo(1);
      for (int i = 1; i <= 50; i++) {
        Optional<User> expected = i <= 40 ? Optional.of(new User(i, "user-" + i)) : Optional.empty();
        assertThat(results.get(i - 1)).as("key %d", i).isEqualTo(expected);
      }
      assertThat(completedOn).hasSize(50).allSatisfy(c -> assertThat(c).isSameAs(context));
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Backend.class)
  void duplicateKeysInOneTurn_shareOneLookup(Backend backend, Vertx vertx) {
    try (TestDb t = TestDb.open(vertx, backend, b -> b.maximumPoolSize(2))) {
      BatchLoader<Long, User> loader = byId(t.db(), users(t));

      List<Future<Optional<User>>> futures = inOneTurn(vertx.getOrCreateContext(),
          i -> loader.load((long) (i % 3) + 1), 9);

      assertThat(futures.stream().map(TestSupport::await).map(Optional::orElseThrow).map(User::id).toList())
          .containsExactly(2L, 3L, 1L, 2L, 3L, 1L, 2L, 3L, 1L);
      assertThat(loader.batchesDispatched()).isEqualTo(1);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Backend.class)
  void groupedLoader_givesEachKeyItsRowsInOrder_andEmptyListWithoutRows(Backend backend, Vertx vertx) {
    try (TestDb t = TestDb.open(vertx, backend, b -> b.maximumPoolSize(2))) {
      String posts = t.table("posts", "id BIGINT PRIMARY KEY, user_id BIGINT NOT NULL, title VARCHAR(50)");
      t.execute("INSERT INTO " + posts + " (id, user_id, title) VALUES "
          + "(10, 1, 'a'), (12, 2, 'b'), (11, 1, 'c'), (13, 1, 'd'), (14, 4, 'other')");
      BatchLoader<Long, List<Post>> byUser = BatchLoader.grouped(t.db(),
          "SELECT id, user_id, title FROM " + posts + " WHERE user_id = ANY(?) ORDER BY user_id, id",
          "bigint", rs -> new Post(rs.getLong(1), rs.getLong(2), rs.getString(3)), Post::userId);

      List<Future<Optional<List<Post>>>> futures = inOneTurn(vertx.getOrCreateContext(),
          i -> byUser.load((long) i), 3);

      assertThat(await(futures.get(0))).contains(List.of(new Post(10, 1, "a"), new Post(11, 1, "c"),
          new Post(13, 1, "d")));
      assertThat(await(futures.get(1))).contains(List.of(new Post(12, 2, "b")));
      assertThat(await(futures.get(2))).as("a key without rows").contains(List.of());
      assertThat(byUser.batchesDispatched()).isEqualTo(1);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Backend.class)
  void queryFailure_failsEveryWaiter(Backend backend, Vertx vertx) {
    try (TestDb t = TestDb.open(vertx, backend, b -> b.maximumPoolSize(2))) {
      BatchLoader<Long, User> loader = byId(t.db(), "no_such_table_" + TestSupport.uniqueSuffix());

      List<Future<Optional<User>>> futures = inOneTurn(vertx.getOrCreateContext(), i -> loader.load((long) i), 5);

      assertThat(futures).allSatisfy(f -> assertThat(awaitFailure(f)).isInstanceOf(SQLException.class));
      assertThat(loader.batchesDispatched()).isEqualTo(1);
      assertThat(t.db().stats().active()).isZero();
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Backend.class)
  void maxBatch_splitsLargeTurnsIntoBatchesOfAtMostMaxBatchKeys(Backend backend, Vertx vertx) {
    try (TestDb t = TestDb.open(vertx, backend, b -> b.maximumPoolSize(2))) {
      String users = users(t);
      List<Integer> batchSizes = new CopyOnWriteArrayList<>();
      BatchLoader.BatchFunction<Long, User> query = DefaultBatchLoader.anyQuery(
          "SELECT id, name FROM " + users + " WHERE id = ANY(?)", "bigint",
          rs -> new User(rs.getLong(1), rs.getString(2)), User::id);
      BatchLoader<Long, User> loader = BatchLoader.create(t.db(), Duration.ZERO, 10, (c, keys) -> {
        batchSizes.add(keys.size());
        return query.load(c, keys);
      });

      List<Future<Optional<User>>> futures = inOneTurn(vertx.getOrCreateContext(), i -> loader.load((long) i), 25);

      for (int i = 1; i <= 25; i++) {
        assertThat(await(futures.get(i - 1))).contains(new User(i, "user-" + i));
      }
      assertThat(loader.batchesDispatched()).isEqualTo(3);
      assertThat(batchSizes).containsExactlyInAnyOrder(10, 10, 5);
    }
  }

  /**
   * With a window the end of a turn dispatches nothing: the loads of two turns wait together. The
   * window is an hour, so nothing but the batch filling up (maxBatch 6) can have sent them.
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(Backend.class)
  void window_gathersLoadsOfSeveralTurns(Backend backend, Vertx vertx) {
    try (TestDb t = TestDb.open(vertx, backend, b -> b.maximumPoolSize(2))) {
      String users = users(t);
      BatchLoader<Long, User> loader = BatchLoader.create(t.db(), Duration.ofHours(1), 6,
          DefaultBatchLoader.anyQuery("SELECT id, name FROM " + users + " WHERE id = ANY(?)", "bigint",
              rs -> new User(rs.getLong(1), rs.getString(2)), User::id));
      Context context = vertx.getOrCreateContext();

      List<Future<Optional<User>>> first = inOneTurn(context, i -> loader.load((long) i), 3);
      inOneTurn(context, i -> Future.succeededFuture(), 1); // a later turn: the first one has ended
      assertThat(loader.batchesDispatched()).as("batches after the first turn").isZero();
      assertThat(first).noneMatch(Future::isComplete);
      List<Future<Optional<User>>> second = inOneTurn(context, i -> loader.load((long) i + 3), 3);

      assertThat(await(first.get(0))).contains(new User(1, "user-1"));
      assertThat(await(second.get(2))).contains(new User(6, "user-6"));
      assertThat(loader.batchesDispatched()).isEqualTo(1);
    }
  }

  /** The window's end sends what it gathered. */
  @ParameterizedTest(name = "{0}")
  @EnumSource(Backend.class)
  void window_dispatchesWhenItEnds(Backend backend, Vertx vertx) {
    try (TestDb t = TestDb.open(vertx, backend, b -> b.maximumPoolSize(2))) {
      BatchLoader<Long, User> loader = BatchLoader.create(t.db(), Duration.ofMillis(20), 100,
          DefaultBatchLoader.anyQuery("SELECT id, name FROM " + users(t) + " WHERE id = ANY(?)", "bigint",
              rs -> new User(rs.getLong(1), rs.getString(2)), User::id));

      List<Future<Optional<User>>> loads = inOneTurn(vertx.getOrCreateContext(), i -> loader.load((long) i), 3);

      assertThat(loads.stream().map(TestSupport::await).toList())
          .containsExactly(Optional.of(new User(1, "user-1")), Optional.of(new User(2, "user-2")),
              Optional.of(new User(3, "user-3")));
      assertThat(loader.batchesDispatched()).isEqualTo(1);
    }
  }

  /** Off Vert.x nothing marks the end of a turn, so each load is its own batch. */
  @ParameterizedTest(name = "{0}")
  @EnumSource(Backend.class)
  void loadsOffVertx_dispatchAtOnce(Backend backend, Vertx vertx) {
    try (TestDb t = TestDb.open(vertx, backend, b -> b.maximumPoolSize(2))) {
      BatchLoader<Long, User> loader = byId(t.db(), users(t));

      assertThat(await(loader.load(7L))).contains(new User(7, "user-7"));
      assertThat(await(loader.load(8L))).contains(new User(8, "user-8"));
      assertThat(loader.batchesDispatched()).isEqualTo(2);
    }
  }

  /**
   * The statement count, measured by the server rather than by the loader's own counter: the
   * query carries a data-modifying CTE, which PostgreSQL runs exactly once per statement, and which
   * appends a row to a log table. (H2 has no data-modifying CTEs.)
   */
  @Test
  void fiftyLoadsOfOneTurn_runExactlyOneStatementOnPostgres(Vertx vertx) {
    try (TestDb t = TestDb.open(vertx, Backend.POSTGRES, b -> b.maximumPoolSize(2))) {
      String users = users(t);
      String log = t.table("stmt_log", "n INT");
      BatchLoader<Long, User> loader = BatchLoader.byKey(t.db(),
          "WITH logged AS (INSERT INTO " + log + " (n) VALUES (1)) "
              + "SELECT id, name FROM " + users + " WHERE id = ANY(?)", "bigint",
          rs -> new User(rs.getLong(1), rs.getString(2)), User::id);

      List<Future<Optional<User>>> futures = inOneTurn(vertx.getOrCreateContext(), i -> loader.load((long) i), 50);
      futures.forEach(TestSupport::await);

      assertThat(t.count(log)).as("statements executed").isEqualTo(1);
      assertThat(await(futures.get(39))).contains(new User(40, "user-40"));
    }
  }
  /** A batch query is a Db query like any other: timed under the view's name, by outcome. */
  @ParameterizedTest(name = "{0}")
  @EnumSource(Backend.class)
  void batchQueries_areTimedUnderTheQueryName(Backend backend, Vertx vertx) {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (TestDb t = TestDb.open(vertx, backend, b -> b.poolName("loader").maximumPoolSize(2)
        .meterRegistry(registry))) {
      BatchLoader<Long, User> loader = byId(t.db().named("users-by-id"), users(t));
      BatchLoader<Long, User> broken = byId(t.db().named("users-broken"), "no_such_table_" + TestSupport.uniqueSuffix());

      inOneTurn(vertx.getOrCreateContext(), i -> loader.load((long) i), 5).forEach(TestSupport::await);
      inOneTurn(vertx.getOrCreateContext(), i -> broken.load((long) i), 2).forEach(TestSupport::awaitFailure);

      Timer ok = registry.find("bulwark.db.query")
          .tags("pool", "loader", "query", "users-by-id", "outcome", "success").timer();
      assertThat(ok).as("timer of the batch query").isNotNull();
      assertThat(ok.count()).isEqualTo(1);
      Timer failed = registry.find("bulwark.db.query")
          .tags("pool", "loader", "query", "users-broken", "outcome", "error").timer();
      assertThat(failed).as("timer of the failed batch query").isNotNull();
      assertThat(failed.count()).isEqualTo(1);
    }
  }

  /** Every statement a batch function prepares carries the pool's statement timeout. */
  @ParameterizedTest(name = "{0}")
  @EnumSource(Backend.class)
  void statementsOfABatchFunction_getTheStatementTimeout(Backend backend, Vertx vertx) {
    try (TestDb t = TestDb.open(vertx, backend, b -> b.maximumPoolSize(2).statementTimeout(Duration.ofSeconds(7)))) {
      BatchLoader<Long, Integer> loader = BatchLoader.create(t.db(), Duration.ZERO, 10, (c, keys) -> {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1")) {
          return java.util.Map.of(keys.get(0), ps.getQueryTimeout());
        }
      });

      assertThat(await(loader.load(1L))).contains(7);
    }
  }

  /** PostgreSQL cancels the built-in ANY query once it runs past the statement timeout (57014). */
  @Test
  void slowBatchQueryOnPostgres_isCancelledAtTheStatementTimeout(Vertx vertx) {
    try (TestDb t = TestDb.open(vertx, Backend.POSTGRES, b -> b.maximumPoolSize(2)
        .statementTimeout(Duration.ofSeconds(1)))) {
      String users = users(t);
      BatchLoader<Long, User> slow = BatchLoader.byKey(t.db(), "SELECT id, name FROM " + users
              + " WHERE id = ANY(?) AND (SELECT true FROM pg_sleep(5))", "bigint",
          rs -> new User(rs.getLong(1), rs.getString(2)), User::id);

      Throwable failure = awaitFailure(slow.load(1L));

      assertThat(failure).isInstanceOf(SQLException.class);
      assertThat(((SQLException) failure).getSQLState()).as("query_canceled").isEqualTo("57014");
    }
  }
}
