package dev.bulwark.db;

import dev.bulwark.db.impl.DefaultBatchLoader;
import io.vertx.core.Future;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The N+1 cure: {@link #load} calls made within one event-loop turn (or within a short window, or
 * up to a maximum batch) become one query for all their keys. Keys are deduplicated; a key the
 * query does not return resolves empty; a failure of the query fails every waiter. A batch is a
 * query of the {@link Db} view it was made with, like {@link Db#query}: timed as
 * {@code bulwark.db.query} under the view's name ({@link Db#named}), and every statement the batch
 * function prepares carries {@code statementTimeout}.
 *
 * <pre>{@code
 * BatchLoader<Long, List<Post>> postsByUser = BatchLoader.grouped(db,
 *     "SELECT id, user_id, title FROM posts WHERE user_id = ANY(?) ORDER BY user_id, id",
 *     "bigint", rs -> new Post(rs.getLong(1), rs.getLong(2), rs.getString(3)), Post::userId);
 * users.forEach(u -> postsByUser.load(u.id()));   // one query
 * }</pre>
 *
 * <p>Thread-safe. Results complete on each caller's context.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public interface BatchLoader<K, V> {

  /** Default {@code maxBatch}: 1,000 keys per query. */
  int DEFAULT_MAX_BATCH = 1000;

  /** Loads the values of a batch of distinct keys, with a borrowed connection on a JDBC worker. */
  @FunctionalInterface
  interface BatchFunction<K, V> {
    Map<K, V> load(Connection connection, List<K> keys) throws Exception;
  }

  /**
   * A loader over {@code fetch}.
   *
   * @param window zero to batch the calls of one event-loop turn, or a short time to gather more
   *     (whole milliseconds, a Vert.x timer's unit)
   * @throws IllegalArgumentException for a negative or sub-millisecond window, or a maxBatch below 1
   * @param maxBatch at most this many keys per query; reaching it dispatches at once
   */
  static <K, V> BatchLoader<K, V> create(Db db, Duration window, int maxBatch, BatchFunction<K, V> fetch) {
    return new DefaultBatchLoader<>(db, window, maxBatch, fetch);
  }

  /**
   * A one-to-one loader for a query with a single array parameter, e.g.
   * {@code SELECT id, name FROM users WHERE id = ANY(?)} (PostgreSQL and H2).
   *
   * @param sqlArrayType the SQL type of the array's elements, e.g. {@code bigint}
   * @param keyOf the key of a mapped row
   * @throws IllegalArgumentException for an {@code sqlArrayType} that is not a plain type name
   *     (letters, digits, {@code _}, single spaces), naming the argument and the value
   */
  static <K, V> BatchLoader<K, V> byKey(Db db, String sql, String sqlArrayType, RowMapper<V> mapper,
      Function<V, K> keyOf) {
    return new DefaultBatchLoader<>(db, Duration.ZERO, DEFAULT_MAX_BATCH,
        DefaultBatchLoader.anyQuery(sql, sqlArrayType, mapper, keyOf), sql);
  }

  /**
   * A one-to-many loader (posts by user): rows grouped by {@code keyOf} in query order; a key
   * without rows resolves to an empty list.
   *
   * @throws IllegalArgumentException for an {@code sqlArrayType} that is not a plain type name
   */
  static <K, V> BatchLoader<K, List<V>> grouped(Db db, String sql, String sqlArrayType,
      RowMapper<V> mapper, Function<V, K> keyOf) {
    return new DefaultBatchLoader<>(db, Duration.ZERO, DEFAULT_MAX_BATCH,
        DefaultBatchLoader.groupedAnyQuery(sql, sqlArrayType, mapper, keyOf), sql);
  }

  /** The value for {@code key}, batched with the other loads of this turn. */
  Future<Optional<V>> load(K key);

  /** Queries issued so far (for tests and metrics). */
  long batchesDispatched();
}
