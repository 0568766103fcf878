package dev.bulwark.db.impl;

import dev.bulwark.core.internal.TraceSpan;
import dev.bulwark.core.internal.Tracing;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;

/**
 * A client span per query of a {@link DefaultDb} view, made on the bridge thread inside the
 * pool's {@code run} span (OpenTelemetry database conventions: {@code db.system},
 * {@code db.operation.name}, {@code db.query.text} with literals replaced by {@code ?}, so no
 * value inlined in the SQL reaches the trace). Nothing happens without the OpenTelemetry API or
 * without a current span. Thread-safe (immutable).
 */
final class DbTracing {

  private static final Tracing TRACING = Tracing.get();
  private static final Pattern STRING_LITERAL = Pattern.compile("'(?:[^']|'')*'");
  private static final Pattern NUMBER_LITERAL = Pattern.compile("(?<![\\w.$])[-+]?\\d+(?:\\.\\d+)?(?:[eE][-+]?\\d+)?\\b");
  private static final Pattern JDBC_SYSTEM = Pattern.compile("jdbc:([a-zA-Z0-9]+):.*", Pattern.DOTALL);

  private final String system;
  private final String pool;

  DbTracing(String jdbcUrl, String pool) {
    var m = JDBC_SYSTEM.matcher(jdbcUrl);
    this.system = m.matches() ? m.group(1).toLowerCase(Locale.ROOT) : "other_sql";
    this.pool = pool;
  }

  /**
   * Starts the span of one query of the view {@code queryName}, or returns null when tracing is
   * off; end it with {@link #within}.
   *
   * @param sql the statement, or null when the work prepares its own
   * @param operation the SQL operation when {@code sql} is null (INSERT for a batch), or null
   */
  TraceSpan start(String queryName, String sql, String operation) {
    TraceSpan span = TRACING == null ? null : TRACING.start(spanName(queryName, sql, operation), true);
    if (span == null) {
      return null;
    }
    span.set("db.system", system).set("bulwark.db.pool", pool).set("bulwark.db.query", queryName);
    String op = sql == null ? operation : operation(sql);
    if (op != null) {
      span.set("db.operation.name", op);
    }
    if (sql != null) {
      span.set("db.query.text", sanitize(sql));
    }
    return span;
  }

  /** Runs {@code work} and ends {@code span}, marked as an error when the work fails. */
  static <T> T within(TraceSpan span, Callable<T> work) throws Exception {
    try {
      return work.call();
    } catch (Throwable t) {
      span.fail(t);
      throw t;
    } finally {
      span.end();
    }
  }

  private static String spanName(String queryName, String sql, String operation) {
    if (!"unnamed".equals(queryName)) {
      return queryName;
    }
    String op = sql == null ? operation : operation(sql);
    return op == null ? "query" : op;
  }

  /** The statement's first keyword, upper-case (SELECT, INSERT, WITH...). */
  static String operation(String sql) {
    String s = sql.strip();
    int end = 0;
    while (end < s.length() && Character.isLetter(s.charAt(end))) {
      end++;
    }
    return end == 0 ? null : s.substring(0, end).toUpperCase(Locale.ROOT);
  }

  /** {@code sql} with string and number literals replaced by {@code ?}. */
  static String sanitize(String sql) {
    String noStrings = STRING_LITERAL.matcher(sql).replaceAll("?");
    return NUMBER_LITERAL.matcher(noStrings).replaceAll("?");
  }
}
