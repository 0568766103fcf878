package dev.bulwark.web.impl;

import dev.bulwark.web.HttpException;
import java.util.function.Function;

/**
 * Binds a path, query or header parameter: reads the text, converts it, checks its range. The
 * 400 messages name the parameter, what it must be and what it was. The converted value is also
 * what a cached route's key is made of, so {@code 08}, {@code +8} and {@code 8} are one entry.
 * Immutable and thread-safe.
 */
final class TextParamBinder implements ParamBinder {

  enum Source {
    PATH("path parameter"), QUERY("query parameter"), HEADER("header");

    final String label;

    Source(String label) {
      this.label = label;
    }
  }

  private final Source source;
  private final String name;
  private final Class<?> type;
  private final Function<String, Object> converter;
  private final Object defaultValue;
  private final long min;
  private final long max;
  private final boolean ranged;
  private final int pathIndex;

  /** @param pathIndex the parameter's position among the template's names (path only; else -1) */
  TextParamBinder(Source source, String name, int pathIndex, Class<?> type,
      Function<String, Object> converter, Object defaultValue, long min, long max) {
    this.source = source;
    this.pathIndex = pathIndex;
    this.name = name;
    this.type = type;
    this.converter = converter;
    this.defaultValue = defaultValue;
    this.min = min;
    this.max = max;
    this.ranged = min != Long.MIN_VALUE || max != Long.MAX_VALUE;
  }

  /** The parameter's value; a path parameter is looked up by its index in the template. */
  @Override
  public Object bind(Exchange exchange) {
    String text;
    switch (source) {
      case PATH:
        text = exchange.pathValue(pathIndex);
        break;
      case QUERY:
        text = exchange.query(name);
        break;
      default:
        text = exchange.header(name);
        break;
    }
    return fromText(text);
  }

  Source source() {
    return source;
  }

  String name() {
    return name;
  }

  /** The default (or a 400 when required) for absent text, else the converted value. */
  private Object fromText(String text) {
    if (text == null) {
      if (defaultValue != null || !type.isPrimitive()) {
        return defaultValue;
      }
      throw HttpException.badRequest("missing " + source.label + " '" + name + "'");
    }
    return convert(text);
  }

  /** Converts and range-checks {@code text}; also used at start to check default values. */
  Object convert(String text) {
    Object value;
    try {
      value = converter.apply(text);
    } catch (IllegalArgumentException e) {
      throw HttpException.badRequest(source.label + " '" + name + "' must be "
          + Conversions.describe(type) + ", but was '" + Errors.clip(text) + "'");
    }
    if (ranged && value instanceof Number) {
      Number n = (Number) value;
      // Negated comparisons so that NaN, which compares false with everything, is out of range.
      boolean below = n instanceof Double ? !(n.doubleValue() >= min) : n.longValue() < min;
      boolean above = n instanceof Double ? !(n.doubleValue() <= max) : n.longValue() > max;
      if (below || above) {
        throw HttpException.badRequest(source.label + " '" + name + "' must be "
            + rangeText() + ", but was " + Errors.clip(text));
      }
    }
    return value;
  }

  private String rangeText() {
    if (min != Long.MIN_VALUE && max != Long.MAX_VALUE) {
      return "between " + min + " and " + max;
    }
    return min != Long.MIN_VALUE ? ">= " + min : "<= " + max;
  }
}
