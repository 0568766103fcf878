package dev.bulwark.db;

import dev.bulwark.db.impl.DefaultDb;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import java.util.List;
import java.util.Optional;

/**
 * A HikariCP connection pool with an asynchronous face. JDBC runs on a bounded executor exactly as
 * large as the pool, so no thread ever waits for a connection and the event loop never blocks;
 * callers beyond {@code maxWaiters}, or waiting past {@code waitTimeout}, fail fast with
 * {@link DbBusyException}; while the database is unreachable callers fail fast with
 * {@link DbUnavailableException} and one probe per {@code downProbeInterval} tries to reconnect.
 *
 * <p>Thread-safe. Every future completes on the caller's Vert.x context (when called on one).
 * Parameters are always bound, never concatenated into SQL.
 */
public interface Db {

  /** Opens a pool (lazily connecting: it starts even if the database is down). */
  static Db create(Vertx vertx, DbOptions options) {
    return DefaultDb.create(vertx, options);
  }

  /** A view whose statements are timed under {@code name} ({@code bulwark.db.query}, tag query). */
  Db named(String name);

  /** Runs a query and maps every row. */
  <T> Future<List<T>> query(String sql, RowMapper<T> mapper, Object... params);

  /** Runs a query and maps its first row, if any. */
  <T> Future<Optional<T>> queryOne(String sql, RowMapper<T> mapper, Object... params);

  /** Runs an INSERT, UPDATE, DELETE or DDL statement; the future holds the update count. */
  Future<Integer> update(String sql, Object... params);

  /** Runs {@code work} with a borrowed connection (autocommit on), returned after. */
  <T> Future<T> withConnection(SqlFunction<T> work);

  /** {@link #inTransaction(TxOptions, SqlFunction)} with {@link TxOptions#DEFAULT}. */
  <T> Future<T> inTransaction(SqlFunction<T> work);

  /**
   * Runs {@code work} in a transaction: commit when it returns, rollback when it throws. A
   * serialization failure or deadlock (SQLSTATE 40001, 40P01) is retried, whole, up to
   * {@code maxAttempts} with backoff, so {@code work} must be safe to repeat. Each attempt borrows
   * a connection and gives it back when it ends: during the backoff (a Vert.x timer) the
   * transaction holds no connection and no JDBC thread. The future fails with the first failure
   * of the last attempt; a rollback or restore that failed after it is in its suppressed list.
   */
  <T> Future<T> inTransaction(TxOptions options, SqlFunction<T> work);

  /**
   * Inserts {@code rows} into {@code table}'s {@code columns} in one transaction, all or nothing:
   * JDBC batches of {@code chunkSize}, or PostgreSQL {@code COPY} in {@link InsertOptions.Mode#COPY}.
   * Table and column names must be plain, unquoted ASCII identifiers
   * ({@code [A-Za-z_][A-Za-z0-9_]*}, at most 63 characters, which PostgreSQL would otherwise
   * truncate; the table optionally schema-qualified; columns distinct); values are bound (or
   * COPY-encoded), never concatenated. All or nothing means a call that failed before its commit
   * (the database restarted, the connection was cut) committed nothing and may be retried whole;
   * only a connection lost during the commit itself leaves the outcome unknown, which an
   * idempotency key settles (the db-pool README shows the pattern).
   *
   * @throws IllegalArgumentException at once for a bad identifier (the message names the argument
   *     and shows the value, non-ASCII escaped) or a row of the wrong width
   */
  Future<Long> insertRows(String table, List<String> columns, List<Object[]> rows, InsertOptions options);

  /**
   * Streams a query's rows with backpressure: a cursor (autocommit off and a fetch size, so
   * PostgreSQL sends rows as they are read) read on a JDBC worker only as fast as the stream's
   * demand ({@code pause}/{@code resume}/{@code fetch}) allows; at most two chunks of rows wait in
   * memory. Rows start flowing when a handler is set. The end, a failure or
   * {@link RowStream#cancel()} closes the statement and returns the connection at once. The
   * stream's handlers run on the context that created it.
   */
  <T> RowStream<T> stream(String sql, RowMapper<T> mapper, Object... params);

  /**
   * Streams a query's rows as encoded bytes ({@code format}), with backpressure, for writing
   * straight to a socket: no object per row. On PostgreSQL the rows come from
   * {@code COPY (query) TO STDOUT (FORMAT csv)} through the driver's {@code CopyManager}, read on a
   * JDBC worker only as fast as the stream's demand allows (a paused stream stops reading, and
   * the server stops sending once the socket's buffers are full); NDJSON is transcoded from that
   * CSV byte by byte into reused buffers. Elsewhere (H2) a cursor is read and encoded to the same
   * bytes. Each item is a buffer of about 64 KiB holding whole rows only (the CSV header in the
   * first), and at most two wait in memory. The end, a failure or {@link RowStream#cancel()}
   * ends the COPY (cancelling it on the server) or closes the cursor, and returns the connection
   * at once. Rows start flowing when a handler is set; handlers run on the context that created
   * the stream.
   *
   * <p>{@code query} is a {@code SELECT} (or {@code VALUES}, {@code WITH ...}) without a trailing
   * semicolon; its {@code ?} parameters are bound by the driver, never concatenated by the
   * caller. (COPY takes no bind parameters, so on PostgreSQL the driver renders them into the
   * statement as escaped, typed literals, as its simple query protocol does.) The statement
   * timeout applies to the whole COPY ({@code SET LOCAL statement_timeout}), or to each fetch of
   * the cursor.
   *
   * @throws IllegalArgumentException at once when {@code query} or {@code format} is null
   */
  RowStream<Buffer> copyOut(String query, CopyFormat format, Object... params);

  /** The pool's current state. */
  DbStats stats();

  /** The wrapped pool, e.g. {@code unwrap(HikariDataSource.class)}. */
  <T> T unwrap(Class<T> type);

  /** Closes the executor (running work finishes) and the pool. */
  Future<Void> close();

  /** A {@link ReadStream} of rows that can be cancelled (closing its cursor and connection). */
  interface RowStream<T> extends ReadStream<T> {

    /** Stops reading, closes the statement and returns the connection; no more items arrive. */
    void cancel();
  }
}
