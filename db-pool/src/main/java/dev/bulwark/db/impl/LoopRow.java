package dev.bulwark.db.impl;

import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.data.Numeric;
import java.lang.reflect.Method;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One row read by Vert.x's PostgreSQL client, seen through {@link ResultSet} so the same
 * {@code RowMapper} maps it. It reads only the column kinds {@link LoopReads} lets through
 * (integers, {@code numeric}, {@code boolean}, character types) and converts them as pgjdbc does:
 * {@code getObject} of a {@code smallint} is an {@code Integer}, {@code getString} of a boolean is
 * {@code "t"}, {@code getInt} of a bigint out of range fails with SQLState 22003, a number read
 * from text is parsed. Everything else is {@link ReadOnlyResultSet}'s, including
 * {@code getObject(column, type)}, whose rules pgjdbc ties to each column's declared type. Not thread-safe: one
 * mapping at a time, on the event loop that read the row.
 */
final class LoopRow extends ReadOnlyResultSet {

  /** {@link #offers}' answers: a learning run asks once per getter call, of a bounded set. */
  private static final Map<Method, Boolean> OFFERS = new ConcurrentHashMap<>();

  private Row row;
  private boolean wasNull;

  /** Whether a row read on the loop offers {@code method} (else a mapper calling it needs JDBC). */
  static boolean offers(Method method) {
    return OFFERS.computeIfAbsent(method, LoopRow::declaresItself);
  }

  private static boolean declaresItself(Method method) {
    if (method.getDeclaringClass() == Object.class) {
      return true;
    }
    try {
      return LoopRow.class.getMethod(method.getName(), method.getParameterTypes())
          .getDeclaringClass() == LoopRow.class;
    } catch (NoSuchMethodException e) {
      return false;
    }
  }

  /** Makes {@code row} the current row. */
  LoopRow at(Row row) {
    this.row = row;
    this.wasNull = false;
    return this;
  }

  private Object value(int column) throws SQLException {
    if (column < 1 || column > row.size()) {
      throw new SQLException("The column index is out of range: " + column + ", number of columns: "
          + row.size() + ".", "22023");
    }
    Object v = row.getValue(column - 1);
    wasNull = v == null;
    return v;
  }

  @Override
  public boolean wasNull() {
    return wasNull;
  }

  @Override
  public int findColumn(String label) throws SQLException {
    int i = row.getColumnIndex(label);
    if (i < 0) {
      String lower = label.toLowerCase(Locale.ROOT);
      for (int c = 0; c < row.size(); c++) {
        if (row.getColumnName(c).toLowerCase(Locale.ROOT).equals(lower)) {
          return c + 1;
        }
      }
      throw new SQLException("The column name " + label + " was not found in this ResultSet.", "42703");
    }
    return i + 1;
  }

  @Override
  public String getString(int column) throws SQLException {
    Object v = value(column);
    if (v instanceof Boolean) {
      return (Boolean) v ? "t" : "f";
    } else if (v instanceof Numeric && !((Numeric) v).isNaN()) {
      // PostgreSQL's text, never BigDecimal's exponent form (0.0000001, not 1E-7).
      return ((Numeric) v).bigDecimalValue().toPlainString();
    }
    return v == null ? null : v.toString();
  }

  @Override
  public String getNString(int column) throws SQLException {
    return getString(column);
  }

  @Override
  public boolean getBoolean(int column) throws SQLException {
    Object v = value(column);
    if (v == null) {
      return false;
    } else if (v instanceof Boolean) {
      return (Boolean) v;
    } else if (v instanceof String) {
      String s = ((String) v).trim().toLowerCase(Locale.ROOT);
      switch (s) {
        case "t": case "true": case "y": case "yes": case "on": case "1":
          return true;
        case "f": case "false": case "n": case "no": case "off": case "0":
          return false;
        default:
          throw notBoolean(v);
      }
    }
    BigDecimal d = decimal(v, "boolean");
    if (d.compareTo(BigDecimal.ONE) == 0) {
      return true;
    } else if (d.signum() == 0) {
      return false;
    }
    throw notBoolean(v);
  }

  @Override
  public byte getByte(int column) throws SQLException {
    return (byte) integral(column, "byte", Byte.MIN_VALUE, Byte.MAX_VALUE);
  }

  @Override
  public short getShort(int column) throws SQLException {
    return (short) integral(column, "short", Short.MIN_VALUE, Short.MAX_VALUE);
  }

  @Override
  public int getInt(int column) throws SQLException {
    return (int) integral(column, "int", Integer.MIN_VALUE, Integer.MAX_VALUE);
  }

  @Override
  public long getLong(int column) throws SQLException {
    return integral(column, "long", Long.MIN_VALUE, Long.MAX_VALUE);
  }

  @Override
  public float getFloat(int column) throws SQLException {
    return (float) getDouble(column);
  }

  @Override
  public double getDouble(int column) throws SQLException {
    Object v = value(column);
    if (v == null) {
      return 0;
    } else if (v instanceof Numeric && ((Numeric) v).isNaN()) {
      return Double.NaN;
    } else if (v instanceof String) {
      try {
        return Double.parseDouble(((String) v).trim());
      } catch (NumberFormatException e) {
        throw badValue("double", v);
      }
    }
    return decimal(v, "double").doubleValue();
  }

  @Override
  public BigDecimal getBigDecimal(int column) throws SQLException {
    Object v = value(column);
    return v == null ? null : decimal(v, "BigDecimal");
  }

  @Override
  public Object getObject(int column) throws SQLException {
    Object v = value(column);
    if (v instanceof Short) {
      return ((Short) v).intValue();
    } else if (v instanceof Numeric) {
      Numeric n = (Numeric) v;
      return n.isNaN() ? (Object) Double.NaN : n.bigDecimalValue();
    }
    return v;
  }

  @Override
  public String getString(String label) throws SQLException {
    return getString(findColumn(label));
  }

  @Override
  public String getNString(String label) throws SQLException {
    return getString(findColumn(label));
  }

  @Override
  public boolean getBoolean(String label) throws SQLException {
    return getBoolean(findColumn(label));
  }

  @Override
  public byte getByte(String label) throws SQLException {
    return getByte(findColumn(label));
  }

  @Override
  public short getShort(String label) throws SQLException {
    return getShort(findColumn(label));
  }

  @Override
  public int getInt(String label) throws SQLException {
    return getInt(findColumn(label));
  }

  @Override
  public long getLong(String label) throws SQLException {
    return getLong(findColumn(label));
  }

  @Override
  public float getFloat(String label) throws SQLException {
    return getFloat(findColumn(label));
  }

  @Override
  public double getDouble(String label) throws SQLException {
    return getDouble(findColumn(label));
  }

  @Override
  public BigDecimal getBigDecimal(String label) throws SQLException {
    return getBigDecimal(findColumn(label));
  }

  @Override
  public Object getObject(String label) throws SQLException {
    return getObject(findColumn(label));
  }

  @Override
  public boolean isClosed() {
    return false;
  }

  @Override
  public void close() {
    // Nothing to release: the rows were read whole.
  }

  @Override
  public SQLWarning getWarnings() {
    return null;
  }

  @Override
  public void clearWarnings() {
    // No warnings are kept.
  }

  @Override
  public int getType() {
    return TYPE_FORWARD_ONLY;
  }

  @Override
  public int getConcurrency() {
    return CONCUR_READ_ONLY;
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) {
    return iface.isInstance(this);
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    if (iface.isInstance(this)) {
      return iface.cast(this);
    }
    throw new SQLException("cannot unwrap to " + iface.getName());
  }

  /** An integral read, range-checked as pgjdbc does (a fraction is dropped, as it does). */
  private long integral(int column, String type, long min, long max) throws SQLException {
    Object v = value(column);
    if (v == null) {
      return 0;
    } else if (v instanceof Long || v instanceof Integer || v instanceof Short) {
      long l = ((Number) v).longValue();
      if (l < min || l > max) {
        throw badValue(type, v);
      }
      return l;
    }
    BigInteger whole = decimal(v, type).toBigInteger();
    if (whole.compareTo(BigInteger.valueOf(min)) < 0 || whole.compareTo(BigInteger.valueOf(max)) > 0) {
      throw badValue(type, v);
    }
    return whole.longValue();
  }

  private static BigDecimal decimal(Object v, String type) throws SQLException {
    if (v instanceof Numeric) {
      BigDecimal d = ((Numeric) v).bigDecimalValue();
      if (d == null) {
        throw badValue(type, v);
      }
      return d;
    } else if (v instanceof Long || v instanceof Integer || v instanceof Short) {
      return BigDecimal.valueOf(((Number) v).longValue());
    } else if (v instanceof String) {
      try {
        return new BigDecimal(((String) v).trim());
      } catch (NumberFormatException e) {
        throw badValue(type, v);
      }
    }
    throw badValue(type, v);
  }

  private static SQLException notBoolean(Object v) {
    return new SQLException("Cannot cast to boolean: \"" + v + "\"", "42846");
  }

  private static SQLException badValue(String type, Object v) {
    return new SQLException("Bad value for type " + type + " : " + v, "22003");
  }
}
