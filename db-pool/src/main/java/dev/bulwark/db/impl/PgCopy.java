package dev.bulwark.db.impl;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * PostgreSQL {@code COPY table (columns) FROM STDIN (FORMAT csv)} through the driver's
 * {@code CopyManager}, fed 64 KiB at a time. Values are CSV-encoded (RFC 4180 quoting); SQL NULL
 * is an unquoted empty field and an empty string a quoted one. A COPY that fails is cancelled; a
 * cancel that fails too is suppressed under the first failure. Only loaded on PostgreSQL.
 */
final class PgCopy {

  private static final int FLUSH_BYTES = 64 * 1024;

  private PgCopy() {
  }

  static long copyIn(Connection c, String table, List<String> columns, List<Object[]> rows)
      throws Exception {
    String sql = "COPY " + table + " (" + String.join(", ", columns) + ") FROM STDIN (FORMAT csv)";
    CopyIn copy = c.unwrap(PGConnection.class).getCopyAPI().copyIn(sql);
    Throwable failure = null;
    try {
      StringBuilder sb = new StringBuilder(FLUSH_BYTES + 1024);
      for (Object[] row : rows) {
        for (int i = 0; i < row.length; i++) {
          if (i > 0) {
            sb.append(',');
          }
          appendCsv(sb, row[i]);
        }
        sb.append('\n');
        if (sb.length() >= FLUSH_BYTES) {
          byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
          copy.writeToCopy(bytes, 0, bytes.length);
          sb.setLength(0);
        }
      }
      if (sb.length() > 0) {
        byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
        copy.writeToCopy(bytes, 0, bytes.length);
      }
      return copy.endCopy();
    } catch (Throwable e) {
      failure = e;
      throw e;
    } finally {
      if (copy.isActive()) {
        cancel(copy, failure);
      }
    }
  }

  /** Cancels an unfinished COPY; a cancel that fails is suppressed under {@code failure}, if any. */
  private static void cancel(CopyIn copy, Throwable failure) throws SQLException {
    try {
      copy.cancelCopy();
    } catch (SQLException e) {
      if (failure == null) {
        throw e;
      }
      failure.addSuppressed(e);
    }
  }

  static void appendCsv(StringBuilder sb, Object value) {
    if (value == null) {
      return;
    }
    if (value instanceof Number || value instanceof Boolean) {
      sb.append(value);
      return;
    }
    String s = value.toString();
    boolean quote = s.isEmpty();
    for (int i = 0; i < s.length() && !quote; i++) {
      char ch = s.charAt(i);
      quote = ch == ',' || ch == '"' || ch == '\n' || ch == '\r' || ch == '\\';
    }
    if (!quote && (s.charAt(0) == ' ' || s.charAt(s.length() - 1) == ' ')) {
      quote = true;
    }
    if (!quote) {
      sb.append(s);
      return;
    }
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (ch == '"') {
        sb.append('"');
      }
      sb.append(ch);
    }
    sb.append('"');
  }
}
