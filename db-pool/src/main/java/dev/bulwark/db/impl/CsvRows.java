package dev.bulwark.db.impl;

import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;

/**
 * A JDBC row as the CSV line PostgreSQL's {@code COPY ... TO STDOUT (FORMAT csv)} would write for
 * it: the cursor path of {@link CopyOutStream} on databases without COPY, so both paths give the
 * same bytes. A field is quoted when it holds a comma, a quote, CR or LF, or is empty (an empty
 * unquoted field is NULL), and so is a lone {@code \.} in a one-column row (COPY's end marker);
 * quotes are doubled. Booleans are {@code t}/{@code f} as PostgreSQL writes them; other values are
 * the driver's {@code getString}. Not thread-safe: one per stream.
 */
final class CsvRows {

  private static final byte[] TRUE = {'t'};
  private static final byte[] FALSE = {'f'};

  private final boolean[] booleans;

  CsvRows(ResultSetMetaData md) throws SQLException {
    booleans = new boolean[md.getColumnCount()];
    for (int i = 0; i < booleans.length; i++) {
      int type = md.getColumnType(i + 1);
      booleans[i] = type == Types.BOOLEAN || type == Types.BIT;
    }
  }

  /** The header line: the column labels. */
  static void header(ResultSetMetaData md, ByteSink out) throws SQLException {
    int n = md.getColumnCount();
    for (int i = 1; i <= n; i++) {
      if (i > 1) {
        out.put((byte) ',');
      }
      field(md.getColumnLabel(i).getBytes(StandardCharsets.UTF_8), n == 1, out);
    }
    out.put((byte) '\n');
  }

  /** The current row of {@code rs}, with its line end. */
  void row(ResultSet rs, ByteSink out) throws SQLException {
    for (int i = 0; i < booleans.length; i++) {
      if (i > 0) {
        out.put((byte) ',');
      }
      if (booleans[i]) {
        boolean b = rs.getBoolean(i + 1);
        if (!rs.wasNull()) {
          out.put(b ? TRUE : FALSE);
        }
        continue;
      }
      String s = rs.getString(i + 1);
      if (s != null) {
        field(s.getBytes(StandardCharsets.UTF_8), booleans.length == 1, out);
      }
    }
    out.put((byte) '\n');
  }

  /** One non-NULL value, quoted when COPY would quote it. */
  static void field(byte[] v, boolean onlyColumn, ByteSink out) {
    boolean quote = v.length == 0 || onlyColumn && v.length == 2 && v[0] == '\\' && v[1] == '.';
    for (int i = 0; i < v.length && !quote; i++) {
      byte b = v[i];
      quote = b == ',' || b == '"' || b == '\n' || b == '\r';
    }
    if (!quote) {
      out.put(v);
      return;
    }
    out.put((byte) '"');
    for (byte b : v) {
      if (b == '"') {
        out.put((byte) '"');
      }
      out.put(b);
    }
    out.put((byte) '"');
  }
}
