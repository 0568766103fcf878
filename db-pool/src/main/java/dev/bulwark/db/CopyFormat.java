package dev.bulwark.db;

/**
 * The bytes {@link Db#copyOut} writes for a query's rows. Both are UTF-8, one line per row ending
 * in {@code \n}; columns come in the query's order, named by their labels (alias a column, quoted
 * where the database would change its case, to choose its name).
 */
public enum CopyFormat {

  /**
   * CSV exactly as PostgreSQL's {@code COPY ... TO STDOUT (FORMAT csv, HEADER)} writes it: a
   * header line of the column labels, then the rows. A field is quoted (its quotes doubled) when
   * it holds a comma, a quote, a carriage return or a line feed, or is the empty string; SQL NULL
   * is an empty unquoted field. Values are in the database's text form (PostgreSQL's booleans
   * {@code t}/{@code f}, and {@code t}/{@code f} elsewhere too).
   */
  CSV,

  /**
   * One JSON object per row (NDJSON): {@code {"label":value,...}} in column order, with no
   * spaces. Numeric columns are JSON numbers (a value that is not a JSON number, such as
   * {@code NaN}, is a string), booleans {@code true}/{@code false}, PostgreSQL's {@code json} and
   * {@code jsonb} columns their JSON as it is, SQL NULL {@code null}, anything else a JSON string
   * of its text form.
   */
  NDJSON
}
