package dev.bulwark.db.impl;

import dev.bulwark.db.InsertOptions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.List;

/**
 * Inserts rows in the caller's transaction: JDBC batches of {@code chunkSize} rows, or
 * PostgreSQL COPY. Identifiers are checked by {@link Identifiers} when the inserter is prepared
 * (on the caller's thread, so mistakes throw at once); values are bound, or CSV-encoded for COPY. Immutable.
 */
final class RowInserter {

  private final String table;
  private final List<String> columns;
  private final List<Object[]> rows;
  private final InsertOptions options;
  private final boolean postgres;

  private RowInserter(String table, List<String> columns, List<Object[]> rows,
      InsertOptions options, boolean postgres) {
    this.table = table;
    this.columns = columns;
    this.rows = rows;
    this.options = options;
    this.postgres = postgres;
  }

  static RowInserter prepare(String table, List<String> columns, List<Object[]> rows,
      InsertOptions options, boolean postgres) {
    Identifiers.table("table", table);
    List<String> names = Identifiers.columns("columns", columns);
    if (rows == null) {
      throw new IllegalArgumentException("rows must not be null");
    }
    for (int i = 0; i < rows.size(); i++) {
      Object[] row = rows.get(i);
      if (row == null || row.length != columns.size()) {
        throw new IllegalArgumentException("row " + i + " must have " + columns.size()
            + " values (one per column), but had " + (row == null ? "none" : row.length));
      }
    }
    return new RowInserter(table, names, rows,
        options == null ? InsertOptions.BATCH : options, postgres);
  }

  long insert(Connection c) throws Exception {
    if (rows.isEmpty()) {
      return 0;
    }
    if (options.mode() == InsertOptions.Mode.COPY && postgres) {
      return PgCopy.copyIn(c, table, columns, rows);
    }
    return batches(c);
  }

  private long batches(Connection c) throws Exception {
    StringBuilder sql = new StringBuilder("INSERT INTO ").append(table).append(" (")
        .append(String.join(", ", columns)).append(") VALUES (");
    for (int i = 0; i < columns.size(); i++) {
      sql.append(i == 0 ? "?" : ", ?");
    }
    sql.append(')');
    long inserted = 0;
    try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
      int inChunk = 0;
      for (Object[] row : rows) {
        for (int i = 0; i < row.length; i++) {
          ps.setObject(i + 1, row[i]);
        }
        ps.addBatch();
        if (++inChunk == options.chunkSize()) {
          inserted += count(ps.executeBatch(), inChunk);
          inChunk = 0;
        }
      }
      if (inChunk > 0) {
        inserted += count(ps.executeBatch(), inChunk);
      }
    }
    return inserted;
  }

  /** Update counts may be SUCCESS_NO_INFO (-2), as with rewritten batches: count the rows sent. */
  private static long count(int[] counts, int sent) {
    long sum = 0;
    for (int n : counts) {
      if (n < 0) {
        return sent;
      }
      sum += n;
    }
    return sum;
  }
}
