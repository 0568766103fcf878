package dev.bulwark.db.impl;

import dev.bulwark.core.internal.ChunkedReadStream;
import dev.bulwark.db.Db;
import dev.bulwark.db.RowMapper;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * A query's rows as a stream with backpressure: the producer side of a
 * {@link ChunkedReadStream} reads a cursor (autocommit off and a fetch size, which is what makes
 * PostgreSQL stream instead of materialising the result) in chunks of {@link #CHUNK} rows, with a
 * borrowed connection on a JDBC worker. Cancelling cancels the running statement, rolls back and
 * returns the connection at once.
 */
final class CursorStream<T> extends ChunkedReadStream<T> implements Db.RowStream<T> {

  static final int CHUNK = 256;

  private final DefaultDb db;
  private final String sql;
  private final RowMapper<T> mapper;
  private final Object[] params;
  private final boolean postgres;

  CursorStream(DefaultDb db, String sql, RowMapper<T> mapper, Object[] params, boolean postgres) {
    super(db.shared().vertx().getOrCreateContext(), db::run);
    this.db = db;
    this.sql = sql;
    this.mapper = mapper;
    this.params = params.clone();
    this.postgres = postgres;
  }

  @Override
  protected void produce() throws Exception {
    inReadTransaction(db, this::read);
  }

  /**
   * Runs {@code read} with a borrowed connection in a transaction (a cursor needs autocommit off)
   * that is rolled back after it, autocommit restored, and the connection returned.
   */
  static void inReadTransaction(DefaultDb db, Read read) throws Exception {
    try (Connection c = db.borrow()) {
      boolean autoCommit = c.getAutoCommit();
      c.setAutoCommit(false);
      Throwable failure = null;
      try {
        read.read(c);
      } catch (Throwable e) {
        failure = e;
        throw e;
      } finally {
        endCursor(c, autoCommit, failure);
      }
    }
  }

  /** Reading done inside {@link #inReadTransaction}. */
  @FunctionalInterface
  interface Read {
    void read(Connection c) throws Exception;
  }

  private void read(Connection c) throws Exception {
    try (PreparedStatement ps = db.prepare(c, sql, params)) {
      // Fewer, larger fetches: each is a round trip to PostgreSQL (4096 rows, a few hundred KiB).
      ps.setFetchSize(postgres ? CHUNK * 16 : CHUNK);
      try (ResultSet rs = ps.executeQuery()) {
        boolean more = true;
        while (more) {
          if (!awaitRoom()) {
            ps.cancel();
            return;
          }
          List<T> chunk = new ArrayList<>(CHUNK);
          while (chunk.size() < CHUNK && (more = rs.next())) {
            chunk.add(mapper.map(rs));
          }
          if (!chunk.isEmpty()) {
            offer(chunk);
          }
        }
      }
    }
  }

  /**
   * Rolls the read-only cursor's transaction back and restores autocommit, trying both. After a
   * {@code failure} what fails here is suppressed under it; otherwise the first failure is thrown.
   */
  private static void endCursor(Connection c, boolean autoCommit, Throwable failure) throws SQLException {
    SQLException first = null;
    try {
      c.rollback();
    } catch (SQLException e) {
      first = e;
    }
    try {
      c.setAutoCommit(autoCommit);
    } catch (SQLException e) {
      if (first == null) {
        first = e;
      } else {
        first.addSuppressed(e);
      }
    }
    if (first == null) {
      return;
    }
    if (failure != null) {
      failure.addSuppressed(first);
      return;
    }
    throw first;
  }
}
