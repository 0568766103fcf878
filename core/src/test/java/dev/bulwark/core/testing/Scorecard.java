package dev.bulwark.core.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The figures a fault or hostile-input test measured, written where
 * {@code benchmarks/load/scorecard.sh} reads them into {@code docs/RELIABILITY.md}: one
 * tab-separated line per call, appended to {@code target/scorecard/<test class>.tsv} of the
 * module under test (surefire's working directory), or under {@code -Dbulwark.scorecard.dir}.
 * A line is {@code kind, test class, test, what was done, figures} where figures are
 * {@code name=value} pairs such as {@code lost=0 duplicated=0}. A test records only after its
 * assertions passed, so a line is a result, never a promise.
 *
 * <p>Thread-safe (appends are synchronized per JVM; each module's tests run in one fork).
 */
public final class Scorecard {

  /** What a line reports. */
  public enum Kind { FAULT, HOSTILE }

  private Scorecard() {
  }

  /** Records a fault survived: {@code what} (e.g. "PostgreSQL restarted mid-insert") and its figures. */
  public static void fault(Class<?> test, String name, String what, Map<String, ?> figures) {
    write(Kind.FAULT, test, name, what, figures);
  }

  /** Records hostile inputs tried: {@code what}, and figures that should include {@code cases}. */
  public static void hostile(Class<?> test, String name, String what, Map<String, ?> figures) {
    write(Kind.HOSTILE, test, name, what, figures);
  }

  /** An insertion-ordered figure map: {@code figures("lost", 0, "duplicated", 0)}. */
  public static Map<String, Object> figures(Object... namesAndValues) {
    if (namesAndValues.length % 2 != 0) {
      throw new IllegalArgumentException("figures takes name, value pairs, but got "
          + namesAndValues.length + " arguments");
    }
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      m.put(String.valueOf(namesAndValues[i]), namesAndValues[i + 1]);
    }
    return m;
  }

  private static synchronized void write(Kind kind, Class<?> test, String name, String what,
      Map<String, ?> figures) {
    StringJoiner f = new StringJoiner(" ");
    figures.forEach((k, v) -> f.add(clean(k) + "=" + clean(String.valueOf(v))));
    String line = String.join("\t", kind.name(), test.getSimpleName(), clean(name), clean(what),
        f.toString()) + "\n";
    Path dir = Paths.get(System.getProperty("bulwark.scorecard.dir", "target/scorecard"));
    try {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve(test.getSimpleName() + ".tsv"), line, StandardCharsets.UTF_8,
          StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the scorecard line to " + dir, e);
    }
  }

  private static String clean(String s) {
    return s.replace('\t', ' ').replace('\n', ' ').replace('\r', ' ');
  }
}
