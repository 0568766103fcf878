package dev.bulwark.web.impl;

import java.util.Locale;
import java.util.UUID;
import java.util.function.Function;

/** String-to-type conversions for path, query and header parameters. Stateless; thread-safe. */
final class Conversions {

  private Conversions() {
  }

  /** The converter for {@code type}, or {@code null} when the type is not supported. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static Function<String, Object> forType(Class<?> type) {
    if (type == String.class) {
      return s -> s;
    }
    if (type == int.class || type == Integer.class) {
      return Integer::valueOf;
    }
    if (type == long.class || type == Long.class) {
      return Long::valueOf;
    }
    if (type == double.class || type == Double.class) {
      return Double::valueOf;
    }
    if (type == boolean.class || type == Boolean.class) {
      return s -> {
        String v = s.toLowerCase(Locale.ROOT);
        if (v.equals("true")) {
          return Boolean.TRUE;
        }
        if (v.equals("false")) {
          return Boolean.FALSE;
        }
        throw new IllegalArgumentException(s);
      };
    }
    if (type == UUID.class) {
      return UUID::fromString;
    }
    if (type.isEnum()) {
      Class<? extends Enum> e = (Class<? extends Enum>) type;
      return s -> Enum.valueOf(e, s.toUpperCase(Locale.ROOT));
    }
    return null;
  }

  /** A short description of the values {@code type} accepts, for 400 messages. */
  static String describe(Class<?> type) {
    if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
      return "an integer";
    }
    if (type == double.class || type == Double.class) {
      return "a number";
    }
    if (type == boolean.class || type == Boolean.class) {
      return "true or false";
    }
    if (type == UUID.class) {
      return "a UUID";
    }
    if (type.isEnum()) {
      StringBuilder sb = new StringBuilder("one of");
      for (Object c : type.getEnumConstants()) {
        sb.append(' ').append(((Enum<?>) c).name().toLowerCase(Locale.ROOT));
      }
      return sb.toString();
    }
    return "a string";
  }
}
