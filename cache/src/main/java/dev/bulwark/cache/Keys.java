package dev.bulwark.cache;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Collection;
import java.util.UUID;

/**
 * Encodes argument lists as cache keys, injectively: distinct argument lists (by
 * {@code equals}, element by element) give distinct keys. Each argument is written as a type tag,
 * the length of its text and the text ({@code S3:a:b} for the string {@code "a:b"}), so no
 * separator inside a value can fake a boundary, and {@code 1}, {@code 1L} and {@code "1"} differ.
 * A key longer than {@value #MAX_PLAIN_LENGTH} characters, or one containing surrogate characters,
 * is replaced by {@code #} and the base64url SHA-256 of its UTF-16 code units (unique up to
 * SHA-256 collisions).
 *
 * <p>Supported: null, String, Character, Boolean, Byte, Short, Integer, Long, Float, Double,
 * BigInteger, BigDecimal, UUID, enums, {@code java.time} values, byte[], Object[] and Lists, Sets
 * and other Collections of these, in iteration order (so a Set should have a stable order, as a
 * sorted set does). Thread-safe (stateless).
 */
public final class Keys {

  /** Keys up to this many characters are kept readable; longer ones are hashed. */
  public static final int MAX_PLAIN_LENGTH = 128;

  private Keys() {
  }

  /**
   * Encodes {@code args}.
   *
   * @throws IllegalArgumentException for an argument of an unsupported type (a programmer error)
   */
  public static String encode(Object... args) {
    if (args == null) {
      return of(null);
    }
    if (args.length == 1) {
      return of(args[0]);
    }
    StringBuilder sb = new StringBuilder(32);
    for (Object a : args) {
      append(sb, a);
    }
    return finish(sb.toString());
  }

  /**
   * The key of a single argument: equal to {@code encode(arg)} (and, for an array argument, to
   * {@code encode(new Object[] {arg})}), built without a varargs array or a builder for the common
   * key types.
   *
   * @throws IllegalArgumentException for an argument of an unsupported type
   */
  public static String of(Object arg) {
    if (arg instanceof Long) {
      long v = (Long) arg;
      return "J" + digits(v) + ':' + v;
    }
    if (arg instanceof Integer) {
      int v = (Integer) arg;
      return "I" + digits(v) + ':' + v;
    }
    if (arg instanceof String) {
      String s = (String) arg;
      if (s.length() < MAX_PLAIN_LENGTH - 8) {
        return finish("S" + s.length() + ':' + s);
      }
    }
    StringBuilder sb = new StringBuilder(32);
    append(sb, arg);
    return finish(sb.toString());
  }

  /** The length of {@code Long.toString(v)}, sign included, without making the string. */
  static int digits(long v) {
    int n = v < 0 ? 2 : 1;
    long x = v < 0 ? v : -v; // negative, so that Long.MIN_VALUE needs no special case
    long p = -10;
    for (int i = 1; i < 19; i++) {
      if (x > p) {
        return n;
      }
      n++;
      p *= 10;
    }
    return n;
  }

  private static String finish(String key) {
    if (key.length() <= MAX_PLAIN_LENGTH && !hasSurrogate(key)) {
      return key;
    }
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      for (int i = 0; i < key.length(); i++) {
        char c = key.charAt(i);
        md.update((byte) (c >>> 8));
        md.update((byte) c);
      }
      return '#' + Base64.getUrlEncoder().withoutPadding().encodeToString(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
  }

  private static boolean hasSurrogate(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (Character.isSurrogate(s.charAt(i))) {
        return true;
      }
    }
    return false;
  }

  private static void append(StringBuilder sb, Object a) {
    if (a == null) {
      sb.append('N');
    } else if (a instanceof String) {
      text(sb, 'S', (String) a);
    } else if (a instanceof Integer) {
      text(sb, 'I', a.toString());
    } else if (a instanceof Long) {
      text(sb, 'J', a.toString());
    } else if (a instanceof Boolean) {
      sb.append((Boolean) a ? 'T' : 'F');
    } else if (a instanceof Short) {
      text(sb, 'H', a.toString());
    } else if (a instanceof Byte) {
      text(sb, 'B', a.toString());
    } else if (a instanceof Character) {
      text(sb, 'C', a.toString());
    } else if (a instanceof Double) {
      text(sb, 'D', a.toString());
    } else if (a instanceof Float) {
      text(sb, 'f', a.toString());
    } else if (a instanceof BigInteger) {
      text(sb, 'G', a.toString());
    } else if (a instanceof BigDecimal) {
      text(sb, 'M', a.toString());
    } else if (a instanceof UUID) {
      text(sb, 'U', a.toString());
    } else if (a instanceof Enum) {
      Enum<?> e = (Enum<?>) a;
      text(sb, 'E', e.getDeclaringClass().getName());
      text(sb, '.', e.name());
    } else if (a.getClass().getName().startsWith("java.time.")) {
      text(sb, 't', a.getClass().getName());
      text(sb, '=', a.toString());
    } else if (a instanceof byte[]) {
      text(sb, 'b', Base64.getEncoder().encodeToString((byte[]) a));
    } else if (a instanceof Object[]) {
      Object[] arr = (Object[]) a;
      sb.append('A').append(arr.length).append(':');
      for (Object o : arr) {
        append(sb, o);
      }
    } else if (a instanceof Collection) {
      Collection<?> c = (Collection<?>) a;
      sb.append(c instanceof java.util.Set ? 'Q' : c instanceof java.util.List ? 'L' : 'K')
          .append(c.size()).append(':');
      for (Object o : c) {
        append(sb, o);
      }
    } else {
      throw new IllegalArgumentException("cannot build a cache key from an argument of type "
          + a.getClass().getName() + "; pass strings, numbers, booleans, enums, UUIDs, java.time "
          + "values or collections of them, or choose the key parameters with @Cached(key = ...)");
    }
  }

  private static void text(StringBuilder sb, char tag, String s) {
    sb.append(tag).append(s.length()).append(':').append(s);
  }
}
