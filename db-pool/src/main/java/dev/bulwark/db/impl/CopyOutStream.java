package dev.bulwark.db.impl;

import dev.bulwark.core.internal.ChunkedReadStream;
import dev.bulwark.db.CopyFormat;
import dev.bulwark.db.Db;
import io.vertx.core.buffer.Buffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.postgresql.PGConnection;
import org.postgresql.PGStatement;
import org.postgresql.copy.CopyOut;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A query's rows as encoded bytes ({@link Db#copyOut}): the producer side of a
 * {@link ChunkedReadStream} whose items are buffers of about {@link #CHUNK_BYTES} holding whole
 * rows. On PostgreSQL it reads {@code COPY (query) TO STDOUT (FORMAT csv)} one row (one CopyData
 * message) at a time and appends it to the current buffer, transcoded by {@link JsonLines} for
 * NDJSON; elsewhere it reads a cursor and encodes each row with {@link CsvRows} first, so both
 * paths write the same bytes. Either runs in a rolled-back transaction on a borrowed connection
 * ({@link CursorStream#inReadTransaction}), on a JDBC worker. Waiting for room (at most two
 * buffers ahead of the consumer) is what stops the reading; PostgreSQL then blocks on its full
 * socket. A cancel wakes that wait: the COPY is cancelled on the server (the driver sends a
 * cancel request, and what was in flight is read until the error that ends it), or the cursor's
 * statement is, and the connection goes back to the pool (see {@link #stop}).
 */
final class CopyOutStream extends ChunkedReadStream<Buffer> implements Db.RowStream<Buffer> {

  /** A buffer is handed over once it holds this many bytes (plus the row that passed it). */
  static final int CHUNK_BYTES = 64 * 1024;
  /** How long a cancelled COPY may go on sending before its connection is evicted instead. */
  static final long CANCEL_DRAIN_NANOS = 5_000_000_000L;
  /** SQLSTATE query_canceled: the error a cancelled COPY ends with. */
  private static final String QUERY_CANCELED = "57014";
  private static final Logger LOG = LoggerFactory.getLogger(CopyOutStream.class);

  private final DefaultDb db;
  private final String sql;
  private final CopyFormat format;
  private final Object[] params;
  private final boolean postgres;

  // Producer state: only touched by the producer's thread.
  private Buffer chunk = Buffer.buffer(CHUNK_BYTES + 4096);
  private final ByteSink line = new ByteSink();
  private final ByteSink json = new ByteSink();
  private JsonLines jsonLines;

  CopyOutStream(DefaultDb db, String sql, CopyFormat format, Object[] params, boolean postgres) {
    super(db.shared().vertx().getOrCreateContext(), db::run);
    if (sql == null) {
      throw new IllegalArgumentException("query must not be null");
    }
    if (format == null) {
      throw new IllegalArgumentException("format must not be null");
    }
    this.db = db;
    this.sql = sql;
    this.format = format;
    this.params = params.clone();
    this.postgres = postgres;
  }

  @Override
  protected void produce() throws Exception {
    CursorStream.inReadTransaction(db, postgres ? this::copy : this::cursor);
  }

  private void copy(Connection c) throws Exception {
    String query;
    try (PreparedStatement ps = db.prepare(c, sql, params)) {
      if (format == CopyFormat.NDJSON) {
        jsonLines = new JsonLines(ps.getMetaData());
      }
      // The driver's own rendering of the bound statement, as its simple query protocol sends it.
      query = ps.unwrap(PGStatement.class).toString();
    }
    int timeoutMillis = db.timeoutSeconds() * 1000;
    if (timeoutMillis > 0) {
      try (Statement s = c.createStatement()) {
        s.execute("SET LOCAL statement_timeout = " + timeoutMillis);
      }
    }
    String header = format == CopyFormat.CSV ? ", HEADER" : "";
    CopyOut copy = c.unwrap(PGConnection.class).getCopyAPI()
        .copyOut("COPY (" + query + ") TO STDOUT (FORMAT csv" + header + ")");
    Throwable failure = null;
    try {
      byte[] row;
      while ((row = copy.readFromCopy()) != null) {
        if (!append(row, row.length)) {
          return;
        }
      }
      handOver();
    } catch (Throwable e) {
      failure = e;
      throw e;
    } finally {
      if (copy.isActive()) {
        stop(c, copy, failure);
      }
    }
  }

  private void cursor(Connection c) throws Exception {
    try (PreparedStatement ps = db.prepare(c, sql, params)) {
      ps.setFetchSize(CursorStream.CHUNK);
      try (ResultSet rs = ps.executeQuery()) {
        ResultSetMetaData md = rs.getMetaData();
        CsvRows rows = new CsvRows(md);
        if (format == CopyFormat.NDJSON) {
          jsonLines = new JsonLines(md);
        } else {
          CsvRows.header(md, line);
          chunk.appendBytes(line.array(), 0, line.length());
        }
        while (rs.next()) {
          line.reset();
          rows.row(rs, line);
          if (!append(line.array(), line.length())) {
            ps.cancel();
            return;
          }
        }
        handOver();
      }
    }
  }

  /** Appends one CSV line, transcoded for NDJSON; false once the stream was cancelled. */
  private boolean append(byte[] csv, int length) throws InterruptedException {
    if (jsonLines == null) {
      chunk.appendBytes(csv, 0, length);
    } else {
      json.reset();
      jsonLines.row(csv, length, json);
      chunk.appendBytes(json.array(), 0, json.length());
    }
    return chunk.length() < CHUNK_BYTES || handOver();
  }

  /** Hands the current buffer, if not empty, to the consumer once there is room; false if cancelled. */
  private boolean handOver() throws InterruptedException {
    if (chunk.length() == 0) {
      return true;
    }
    if (!awaitRoom()) {
      return false;
    }
    offer(List.of(chunk));
    chunk = Buffer.buffer(CHUNK_BYTES + 4096);
    return true;
  }

  /**
   * Stops an unfinished COPY (the stream was cancelled, or reading or encoding failed): a cancel
   * request to the server, then what was already on its way is read and dropped until the error
   * that ends the COPY (a few MiB at most: the sockets' buffers). The driver's own
   * {@code cancelCopy} returns before that error and leaves it for the connection's next
   * statement, and a backend blocked writing to a full socket only sees a cancel once the socket
   * drains. A COPY that does not end within {@link #CANCEL_DRAIN_NANOS}, or a connection that
   * fails meanwhile, is evicted rather than handed to the next caller mid-protocol; that failure
   * is suppressed under {@code failure}, if any.
   */
  private void stop(Connection c, CopyOut copy, Throwable failure) throws SQLException {
    try {
      c.unwrap(PGConnection.class).cancelQuery();
      long deadline = System.nanoTime() + CANCEL_DRAIN_NANOS;
      while (copy.readFromCopy() != null) {
        if (System.nanoTime() - deadline > 0) {
          throw new SQLException("the COPY went on for " + CANCEL_DRAIN_NANOS / 1_000_000_000
              + " s after its cancel request");
        }
      }
    } catch (SQLException e) {
      if (QUERY_CANCELED.equals(e.getSQLState())) {
        return;
      }
      db.shared().dataSource().evictConnection(c);
      if (failure != null) {
        failure.addSuppressed(e);
      } else if (isCancelled()) {
        LOG.debug("stopping a cancelled COPY failed; its connection was evicted", e);
      } else {
        throw e;
      }
    }
  }
}
