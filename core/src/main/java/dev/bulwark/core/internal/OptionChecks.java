package dev.bulwark.core.internal;

import java.time.Duration;

/**
 * Validation shared by the options builders of every module: each check names the option, the
 * rule and the value ({@code pollInterval must be a whole number of milliseconds >= 1ms, but was
 * PT0.0005S}) and never corrects a value. A duration that ends up in a millisecond timer or a
 * Redis {@code PX} must be whole milliseconds, since a finer one would be rounded. Stateless.
 */
public final class OptionChecks {

  private OptionChecks() {
  }

  /**
   * A name that becomes a meter tag or part of a key: 1-64 letters, digits, '-', '_' or '.'.
   *
   * @throws IllegalArgumentException otherwise
   */
  public static String name(String option, String value) {
    if (value == null || !value.matches("[A-Za-z0-9_.-]{1,64}")) {
      throw new IllegalArgumentException(
          option + " must be 1-64 letters, digits, '-', '_' or '.', but was '" + value + "'");
    }
    return value;
  }

  /** @throws IllegalArgumentException unless {@code d} is greater than zero */
  public static Duration positive(String option, Duration d) {
    if (d == null || d.isZero() || d.isNegative()) {
      throw new IllegalArgumentException(option + " must be > 0, but was " + d);
    }
    return d;
  }

  /** @throws IllegalArgumentException unless {@code d} is zero or more */
  public static Duration nonNegative(String option, Duration d) {
    if (d == null || d.isNegative()) {
      throw new IllegalArgumentException(option + " must be >= 0, but was " + d);
    }
    return d;
  }

  /** @throws IllegalArgumentException unless {@code d} is a whole number of milliseconds, at least 1 */
  public static Duration wholeMillis(String option, Duration d) {
    positive(option, d);
    if (d.toMillis() < 1 || d.getNano() % 1_000_000 != 0) {
      throw new IllegalArgumentException(option + " must be a whole number of milliseconds >= 1ms, but was " + d);
    }
    return d;
  }

  /** @throws IllegalArgumentException unless {@code d} is zero or a whole number of milliseconds */
  public static Duration zeroOrWholeMillis(String option, Duration d) {
    nonNegative(option, d);
    if (d.getNano() % 1_000_000 != 0) {
      throw new IllegalArgumentException(option + " must be 0 or a whole number of milliseconds, but was " + d);
    }
    return d;
  }
}
