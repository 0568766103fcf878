package dev.bulwark.db.impl;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The checks on SQL names the API takes (tables, columns, array element types), which go into
 * SQL text and so cannot be bound. Only plain ASCII identifiers pass: no quotes, so no quoted
 * name can close its quote; no spaces, semicolons or comment marks; no Unicode look-alikes (a
 * Cyrillic {@code а} in {@code usаrs} names another table); at most 63 characters per part, as
 * PostgreSQL silently truncates longer names (two long names could then mean one table). A
 * refused value is shown with every character outside printable ASCII escaped ({@code \u0430}),
 * so the message shows what was passed and cannot forge a log line. Stateless.
 */
final class Identifiers {

  /** PostgreSQL's NAMEDATALEN - 1: longer names are truncated by the server. */
  static final int MAX_LENGTH = 63;

  private static final String PART = "[A-Za-z_][A-Za-z0-9_]{0," + (MAX_LENGTH - 1) + "}";
  private static final Pattern NAME = Pattern.compile(PART);
  private static final Pattern QUALIFIED = Pattern.compile(PART + "(\\." + PART + ")?");
  /** A type name: words of letters, digits and '_' separated by single spaces, e.g. {@code double precision}. */
  private static final Pattern TYPE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}( [A-Za-z_][A-Za-z0-9_]{0,62}){0,3}");

  private Identifiers() {
  }

  /** Checks a table name, optionally schema-qualified. */
  static String table(String argument, String value) {
    if (value == null || !QUALIFIED.matcher(value).matches()) {
      throw refused(argument, "an identifier like [schema.]name ([A-Za-z_][A-Za-z0-9_]*, at most "
          + MAX_LENGTH + " characters each part, unquoted)", value);
    }
    return value;
  }

  /** Checks a list of distinct column names (unqualified; distinct ignoring case, as SQL folds it). */
  static List<String> columns(String argument, List<String> values) {
    if (values == null || values.isEmpty()) {
      throw new IllegalArgumentException(argument + " must not be empty, but was " + values);
    }
    Set<String> seen = new HashSet<>();
    for (String c : values) {
      if (c == null || !NAME.matcher(c).matches()) {
        throw refused("column", "an identifier like [A-Za-z_][A-Za-z0-9_]* (at most " + MAX_LENGTH
            + " characters, unquoted)", c);
      }
      if (!seen.add(c.toLowerCase(Locale.ROOT))) {
        throw new IllegalArgumentException(argument + " must be distinct (ignoring case, as unquoted"
            + " SQL names are), but '" + c + "' repeats in " + values);
      }
    }
    return List.copyOf(values);
  }

  /** Checks an SQL type name such as {@code bigint} or {@code double precision}. */
  static String type(String argument, String value) {
    if (value == null || !TYPE.matcher(value).matches()) {
      throw refused(argument, "an SQL type name like bigint or character varying (letters, digits,"
          + " '_', single spaces)", value);
    }
    return value;
  }

  private static IllegalArgumentException refused(String argument, String rule, String value) {
    return new IllegalArgumentException(argument + " must be " + rule + ", but was "
        + (value == null ? "null" : "'" + printable(value) + "'"));
  }

  /** {@code value} with every character outside printable ASCII as a Java escape. */
  static String printable(String value) {
    StringBuilder sb = new StringBuilder(value.length() + 8);
    for (int i = 0; i < value.length(); i++) {
      char ch = value.charAt(i);
      if (ch >= 0x20 && ch < 0x7f) {
        sb.append(ch);
      } else {
        sb.append(String.format("\\u%04x", (int) ch));
      }
    }
    return sb.toString();
  }
}
