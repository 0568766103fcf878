package dev.bulwark.core;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * Parses durations written the way people write them in configuration: {@code 200ms},
 * {@code 5s}, {@code 2m}, {@code 1h}, {@code 1d}, {@code 500us}, {@code 10ns}, or ISO-8601 such
 * as {@code PT0.2S}. Thread-safe (stateless).
 */
public final class Durations {

  private Durations() {
  }

  /**
   * Parses {@code text} as a duration.
   *
   * @param option the name of the option being parsed, used in the error message
   * @param text the text, e.g. {@code 200ms}
   * @return the duration, never negative
   * @throws IllegalArgumentException naming the option and the text when it is not a duration
   */
  public static Duration parse(String option, String text) {
    if (text == null || text.isBlank()) {
      throw invalid(option, text);
    }
    String s = text.trim().toLowerCase(Locale.ROOT);
    if (s.startsWith("pt") || s.startsWith("p")) {
      try {
        Duration d = Duration.parse(text.trim());
        if (d.isNegative()) {
          throw invalid(option, text);
        }
        return d;
      } catch (DateTimeParseException e) {
        throw invalid(option, text);
      }
    }
    int i = 0;
    while (i < s.length() && Character.isDigit(s.charAt(i))) {
      i++;
    }
    if (i == 0 || i == s.length()) {
      throw invalid(option, text);
    }
    long amount;
    try {
      amount = Long.parseLong(s.substring(0, i));
    } catch (NumberFormatException e) {
      throw invalid(option, text);
    }
    String unit = s.substring(i).trim();
    try {
      switch (unit) {
        case "ns":
          return Duration.ofNanos(amount);
        case "us":
          return Duration.ofNanos(Math.multiplyExact(amount, 1000L));
        case "ms":
          return Duration.ofMillis(amount);
        case "s":
          return Duration.ofSeconds(amount);
        case "m":
        case "min":
          return Duration.ofMinutes(amount);
        case "h":
          return Duration.ofHours(amount);
        case "d":
          return Duration.ofDays(amount);
        default:
          throw invalid(option, text);
      }
    } catch (ArithmeticException e) {
      throw invalid(option, text);
    }
  }

  /** Formats a duration compactly ({@code 200ms}, {@code 5s}, {@code 2m}), the inverse of parse. */
  public static String format(Duration d) {
    long nanos = d.toNanos();
    if (nanos % 60_000_000_000L == 0 && nanos != 0) {
      return nanos / 60_000_000_000L + "m";
    }
    if (nanos % 1_000_000_000L == 0) {
      return nanos / 1_000_000_000L + "s";
    }
    if (nanos % 1_000_000L == 0) {
      return nanos / 1_000_000L + "ms";
    }
    if (nanos % 1_000L == 0) {
      return nanos / 1_000L + "us";
    }
    return nanos + "ns";
  }

  private static IllegalArgumentException invalid(String option, String text) {
    return new IllegalArgumentException(option + " must be a duration such as 200ms, 5s or 2m, but was '"
        + text + "'");
  }
}
