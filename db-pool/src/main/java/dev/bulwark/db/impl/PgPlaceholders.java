package dev.bulwark.db.impl;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * JDBC's {@code ?} placeholders as PostgreSQL's {@code $n}, for Vert.x's PostgreSQL client. A
 * statement is split once at its placeholders, skipping string literals ({@code '...'}, with
 * backslash escapes after {@code E}), quoted identifiers, dollar-quoted bodies and comments, and
 * reading {@code ??} as a literal {@code ?} (pgjdbc's escape). Each parameter is then rendered with
 * the type pgjdbc would send for its Java class ({@code $1::int8} for a {@code Long}): PostgreSQL
 * resolves the statement as it does for JDBC, and a {@code Long} compared with an {@code int4}
 * column is compared as a bigint, never cut to an int. Thread-safe (stateless).
 */
final class PgPlaceholders {

  private PgPlaceholders() {
  }

  /**
   * The text between placeholders ({@code n + 1} pieces for {@code n} placeholders), or null when
   * the statement cannot be split safely (an unterminated quote or comment, a {@code $n} of its
   * own, a JDBC escape in braces, a subscript right after a placeholder).
   */
  static String[] split(String sql) {
    List<String> pieces = new ArrayList<>();
    StringBuilder piece = new StringBuilder(sql.length());
    int n = sql.length();
    int i = 0;
    while (i < n) {
      char c = sql.charAt(i);
      int end;
      if (c == '\'') {
        boolean escapes = i > 0 && (sql.charAt(i - 1) == 'E' || sql.charAt(i - 1) == 'e')
            && (i == 1 || !isIdentifierPart(sql.charAt(i - 2)));
        end = quoted(sql, i, '\'', escapes);
      } else if (c == '"') {
        end = quoted(sql, i, '"', false);
      } else if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
        int nl = sql.indexOf('\n', i);
        end = nl < 0 ? n : nl + 1;
      } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
        end = blockComment(sql, i);
      } else if (c == '$' && (i == 0 || !isIdentifierPart(sql.charAt(i - 1)))) {
        if (i + 1 < n && Character.isDigit(sql.charAt(i + 1))) {
          return null; // a positional parameter of its own: not a JDBC statement
        }
        end = dollarQuoted(sql, i);
      } else if (c == '{') {
        return null; // a JDBC escape ({fn ...}, {d ...}): pgjdbc rewrites it, this path does not
      } else if (c == '?') {
        if (i + 1 < n && sql.charAt(i + 1) == '[') {
          return null; // a subscript right after the parameter would read as part of its cast
        }
        if (i + 1 < n && sql.charAt(i + 1) == '?') {
          piece.append('?');
          i += 2;
        } else {
          pieces.add(piece.toString());
          piece.setLength(0);
          i++;
        }
        continue;
      } else {
        piece.append(c);
        i++;
        continue;
      }
      if (end < 0) {
        return null;
      }
      piece.append(sql, i, end);
      i = end;
    }
    pieces.add(piece.toString());
    return pieces.toArray(new String[0]);
  }

  /**
   * The cast pgjdbc's type for each parameter's class becomes ({@link #typeOf}), or null when a
   * parameter is of a class this path does not send (the caller then runs the statement through
   * JDBC).
   */
  static String[] types(Object[] params) {
    String[] types = new String[params.length];
    for (int i = 0; i < params.length; i++) {
      types[i] = typeOf(params[i]);
      if (types[i] == null) {
        return null;
      }
    }
    return types;
  }

  /** The statement with {@code $1..$n} in place of the placeholders, each cast to its type. */
  static String render(String[] pieces, String[] types) {
    StringBuilder sql = new StringBuilder(pieces[0].length() + 16 * types.length + 16);
    sql.append(pieces[0]);
    for (int i = 0; i < types.length; i++) {
      sql.append('$').append(i + 1);
      if (!types[i].isEmpty()) {
        sql.append("::").append(types[i]);
      }
      sql.append(pieces[i + 1]);
    }
    return sql.toString();
  }

  /**
   * The cast for a parameter of {@code value}'s class, as pgjdbc types it; "" for null (no type:
   * PostgreSQL infers it); null for a class this path does not send.
   */
  static String typeOf(Object value) {
    if (value == null) {
      return "";
    } else if (value instanceof Long) {
      return "int8";
    } else if (value instanceof Integer) {
      return "int4";
    } else if (value instanceof Short) {
      return "int2";
    } else if (value instanceof String) {
      return "varchar";
    } else if (value instanceof Boolean) {
      return "bool";
    } else if (value instanceof Double) {
      return "float8";
    } else if (value instanceof Float) {
      return "float4";
    } else if (value instanceof BigDecimal) {
      return "numeric";
    }
    return null;
  }

  /** The index after the closing quote of the quoted text at {@code start}, or -1. */
  private static int quoted(String sql, int start, char quote, boolean backslashEscapes) {
    int i = start + 1;
    while (i < sql.length()) {
      char c = sql.charAt(i);
      if (backslashEscapes && c == '\\') {
        i += 2;
      } else if (c == quote) {
        if (i + 1 < sql.length() && sql.charAt(i + 1) == quote) {
          i += 2;
        } else {
          return i + 1;
        }
      } else {
        i++;
      }
    }
    return -1;
  }

  /** The index after the (possibly nested) block comment at {@code start}, or -1. */
  private static int blockComment(String sql, int start) {
    int depth = 0;
    int i = start;
    while (i + 1 < sql.length()) {
      if (sql.charAt(i) == '/' && sql.charAt(i + 1) == '*') {
        depth++;
        i += 2;
      } else if (sql.charAt(i) == '*' && sql.charAt(i + 1) == '/') {
        depth--;
        i += 2;
        if (depth == 0) {
          return i;
        }
      } else {
        i++;
      }
    }
    return -1;
  }

  /**
   * The index after the dollar-quoted body at {@code start} ({@code $tag$ ... $tag$}), the index
   * after a lone {@code $} that starts no tag, or -1 when the body is not closed.
   */
  private static int dollarQuoted(String sql, int start) {
    int i = start + 1;
    while (i < sql.length() && isIdentifierPart(sql.charAt(i)) && sql.charAt(i) != '$') {
      i++;
    }
    if (i >= sql.length() || sql.charAt(i) != '$') {
      return start + 1;
    }
    String tag = sql.substring(start, i + 1);
    int close = sql.indexOf(tag, i + 1);
    return close < 0 ? -1 : close + tag.length();
  }

  private static boolean isIdentifierPart(char c) {
    return Character.isLetterOrDigit(c) || c == '_' || c == '$';
  }
}
