package dev.bulwark.web.impl;

import java.util.ArrayList;
import java.util.List;

/**
 * A route template whose parameters each fill a whole segment ({@code /products/{id}/cached}),
 * matched against a request path without vertx-web's router. Only plain paths match: no empty,
 * {@code .} or {@code ..} segment, no {@code %} escape, no trailing slash; such a path means the
 * same to the router, which takes every other path. Immutable and thread-safe.
 */
final class PathTemplate {

  private final String template;
  /** The literal of each segment, or null where a parameter goes. */
  private final String[] literals;
  /** The parameter names, in path order. */
  private final String[] names;

  private PathTemplate(String template, String[] literals, String[] names) {
    this.template = template;
    this.literals = literals;
    this.names = names;
  }

  /**
   * Parses {@code template}; null unless every segment is a plain literal or exactly one
   * {@code {name}} (then the router must serve the route).
   */
  static PathTemplate parse(String template) {
    if (!template.startsWith("/") || template.length() < 2 || template.endsWith("/")) {
      return null;
    }
    String[] segments = template.substring(1).split("/", -1);
    String[] literals = new String[segments.length];
    List<String> names = new ArrayList<>(2);
    for (int i = 0; i < segments.length; i++) {
      String s = segments[i];
      if (s.length() > 2 && s.charAt(0) == '{' && s.charAt(s.length() - 1) == '}'
          && s.indexOf('{', 1) < 0 && s.indexOf('}') == s.length() - 1) {
        names.add(s.substring(1, s.length() - 1));
      } else if (plainSegment(s) && literal(s)) {
        literals[i] = s;
      } else {
        return null;
      }
    }
    return new PathTemplate(template, literals, names.toArray(new String[0]));
  }

  /** The template as declared. */
  String template() {
    return template;
  }

  /** Whether the template has parameters (an exact path is dispatched by a map lookup instead). */
  boolean hasParameters() {
    return names.length > 0;
  }

  /** The position of parameter {@code name} in {@link #match}'s result, or -1. */
  int index(String name) {
    for (int i = 0; i < names.length; i++) {
      if (names[i].equals(name)) {
        return i;
      }
    }
    return -1;
  }

  /** The parameter values (in path order) if {@code path} is plain and matches, else null. */
  String[] match(String path) {
    int n = literals.length;
    if (path == null || path.length() < 2 || path.charAt(0) != '/') {
      return null;
    }
    String[] values = new String[names.length];
    int start = 1;
    int v = 0;
    for (int i = 0; i < n; i++) {
      int end = path.indexOf('/', start);
      if (end < 0) {
        if (i != n - 1) {
          return null;
        }
        end = path.length();
      } else if (i == n - 1) {
        return null;
      }
      String literal = literals[i];
      if (literal != null) {
        if (end - start != literal.length() || !path.startsWith(literal, start)) {
          return null;
        }
      } else {
        String value = path.substring(start, end);
        if (!plainSegment(value)) {
          return null;
        }
        values[v++] = value;
      }
      start = end + 1;
    }
    return values;
  }

  /**
   * Whether some path could match both templates (either may also be any other template text;
   * a segment that is not a plain literal counts as matching anything).
   */
  static boolean overlap(String a, String b) {
    String[] x = a.split("/", -1);
    String[] y = b.split("/", -1);
    if (x.length != y.length) {
      return false;
    }
    for (int i = 0; i < x.length; i++) {
      if (literal(x[i]) && literal(y[i]) && !x[i].equals(y[i])) {
        return false;
      }
    }
    return true;
  }

  /** How many {@code {name}} parameters {@code template} declares (0 for an exact path). */
  static int parameterCount(String template) {
    int n = 0;
    for (int i = 0; i < template.length(); i++) {
      if (template.charAt(i) == '{') {
        n++;
      }
    }
    return n;
  }

  /** A segment with no parameter and nothing the router reads as a pattern. */
  private static boolean literal(String segment) {
    return segment.indexOf('{') < 0 && segment.indexOf('}') < 0 && segment.indexOf(':') < 0
        && segment.indexOf('*') < 0;
  }

  /** Non-empty, not {@code .} or {@code ..}, no escape: the router would read it as it is. */
  private static boolean plainSegment(String s) {
    return !s.isEmpty() && !s.equals(".") && !s.equals("..") && s.indexOf('%') < 0;
  }
}
