package dev.bulwark.db.impl;

import java.nio.charset.StandardCharsets;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.util.Arrays;
import java.util.Locale;

/**
 * Transcodes CSV lines (as {@code COPY ... (FORMAT csv)} or {@link CsvRows} writes them, one row
 * per call) into NDJSON lines, byte by byte into a reused {@link ByteSink}: no String, no object
 * per row or field. The keys are encoded once, from the column labels; each column's kind (from
 * its JDBC type) says how its text becomes JSON. Not thread-safe: one per stream.
 */
final class JsonLines {

  private static final byte STRING = 0;
  private static final byte NUMBER = 1;
  private static final byte BOOLEAN = 2;
  private static final byte JSON = 3;
  private static final byte[] NULL = {'n', 'u', 'l', 'l'};
  private static final byte[] TRUE = {'t', 'r', 'u', 'e'};
  private static final byte[] FALSE = {'f', 'a', 'l', 's', 'e'};
  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  /** {@code {"label":} for the first column, {@code ,"label":} for the others. */
  private final byte[][] keys;
  private final byte[] kinds;
  /** A quoted field, its doubled quotes undone. */
  private final ByteSink field = new ByteSink();

  JsonLines(ResultSetMetaData md) throws SQLException {
    int n = md.getColumnCount();
    keys = new byte[n][];
    kinds = new byte[n];
    ByteSink key = new ByteSink();
    for (int i = 0; i < n; i++) {
      key.reset();
      key.put((byte) (i == 0 ? '{' : ','));
      byte[] label = md.getColumnLabel(i + 1).getBytes(StandardCharsets.UTF_8);
      string(label, 0, label.length, key);
      key.put((byte) ':');
      keys[i] = Arrays.copyOf(key.array(), key.length());
      kinds[i] = kind(md.getColumnType(i + 1), md.getColumnTypeName(i + 1));
    }
  }

  private static byte kind(int type, String typeName) {
    switch (type) {
      case Types.TINYINT:
      case Types.SMALLINT:
      case Types.INTEGER:
      case Types.BIGINT:
      case Types.NUMERIC:
      case Types.DECIMAL:
      case Types.REAL:
      case Types.FLOAT:
      case Types.DOUBLE:
        return NUMBER;
      case Types.BOOLEAN:
      case Types.BIT:
        return BOOLEAN;
      default:
        String name = typeName == null ? "" : typeName.toLowerCase(Locale.ROOT);
        return name.equals("json") || name.equals("jsonb") ? JSON : STRING;
    }
  }

  /**
   * Appends the NDJSON line for one CSV line, {@code csv[0, length)} (its {@code \n} optional).
   *
   * @throws IllegalStateException when the line does not hold exactly one field per column
   */
  void row(byte[] csv, int length, ByteSink out) {
    int p = 0;
    for (int col = 0; col < kinds.length; col++) {
      if (col > 0) {
        if (p >= length || csv[p] != ',') {
          throw malformed(csv, length, kinds.length);
        }
        p++;
      }
      out.put(keys[col]);
      if (p < length && csv[p] == '"') {
        p = unquote(csv, p + 1, length);
        value(kinds[col], field.array(), 0, field.length(), false, out);
      } else {
        int start = p;
        while (p < length && csv[p] != ',' && csv[p] != '\n') {
          p++;
        }
        value(kinds[col], csv, start, p - start, p == start, out);
      }
    }
    if (p < length && csv[p] != '\n' || p + 1 < length) {
      throw malformed(csv, length, kinds.length);
    }
    out.put((byte) '}');
    out.put((byte) '\n');
  }

  /** Reads a quoted field starting after its opening quote into {@link #field}; returns the index after the closing one. */
  private int unquote(byte[] csv, int p, int length) {
    field.reset();
    while (p < length) {
      byte b = csv[p++];
      if (b != '"') {
        field.put(b);
      } else if (p < length && csv[p] == '"') {
        field.put(b);
        p++;
      } else {
        return p;
      }
    }
    throw malformed(csv, length, kinds.length);
  }

  private static void value(byte kind, byte[] v, int off, int len, boolean isNull, ByteSink out) {
    if (isNull) {
      out.put(NULL);
    } else if (kind == NUMBER && isJsonNumber(v, off, len) || kind == JSON) {
      out.put(v, off, len);
    } else if (kind == BOOLEAN) {
      out.put(len > 0 && (v[off] == 't' || v[off] == 'T' || v[off] == '1') ? TRUE : FALSE);
    } else {
      string(v, off, len, out);
    }
  }

  /**
   * Whether the text is a JSON number as databases write them: it starts with a digit or a minus
   * and ends with a digit, so {@code NaN} and {@code -Infinity} become strings.
   */
  private static boolean isJsonNumber(byte[] v, int off, int len) {
    if (len == 0) {
      return false;
    }
    byte first = v[off];
    byte last = v[off + len - 1];
    return (first == '-' || first >= '0' && first <= '9') && last >= '0' && last <= '9';
  }

  /** A JSON string of UTF-8 text: quotes, backslashes and control characters escaped. */
  private static void string(byte[] v, int off, int len, ByteSink out) {
    out.put((byte) '"');
    int end = off + len;
    int run = off;
    for (int i = off; i < end; i++) {
      byte b = v[i];
      if (b != '"' && b != '\\' && (b < 0 || b >= 0x20)) {
        continue;
      }
      out.put(v, run, i - run);
      run = i + 1;
      out.put((byte) '\\');
      switch (b) {
        case '"':
        case '\\':
          out.put(b);
          break;
        case '\n':
          out.put((byte) 'n');
          break;
        case '\r':
          out.put((byte) 'r');
          break;
        case '\t':
          out.put((byte) 't');
          break;
        case '\b':
          out.put((byte) 'b');
          break;
        case '\f':
          out.put((byte) 'f');
          break;
        default:
          out.put((byte) 'u');
          out.put((byte) '0');
          out.put((byte) '0');
          out.put(HEX[b >> 4]);
          out.put(HEX[b & 0xf]);
      }
    }
    out.put(v, run, end - run);
    out.put((byte) '"');
  }

  private static IllegalStateException malformed(byte[] csv, int length, int columns) {
    int shown = Math.min(length, 200);
    return new IllegalStateException("a CSV row does not hold the query's " + columns + " columns: '"
        + new String(csv, 0, shown, StandardCharsets.UTF_8) + (length > shown ? "...'" : "'"));
  }
}
