package dev.bulwark.benchmarks.charts;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Makes {@code bench-*.png} charts from a folder of recorded results, so that anyone can
 * regenerate the figures of {@code docs/BENCHMARKS.md} (run it through {@code benchmarks/charts.sh}):
 *
 * <ul>
 *   <li>{@code NAME.properties}, written by the load scripts ({@code benchmarks/load/common.sh}
 *       {@code record}): every pair compared with {@code compare_runs} ({@code [prefix.]a},
 *       {@code a_rps}, {@code b}, {@code b_rps}) becomes two bars; the start times of
 *       {@code startup.sh} ({@code startup.JDK.KIND.none|cds|aot.median_ms}) bars per JDK; its warm-up
 *       curves ({@code curve.JDK.NAME=r1,r2,...}) one line each; the rows/s of
 *       {@code export-vs-copy.sh} ({@code ndjson_rps}, {@code csv_rps}, {@code copy_rps}) three
 *       bars; the admitted p99 of {@code adaptive.sh} ({@code KIND.PHASE.p99_200_ms}) a bar per
 *       kind and phase;
 *   <li>{@code jmh-NAME.json}, JMH's {@code -rf json} output: one bar per benchmark and parameter
 *       set, grouped by unit, and one per counter the benchmark reports per iteration (the mean
 *       of its iterations: a paired benchmark's times and ratio, {@code jmh-pair.sh});
 *   <li>{@code interleave-NAME.tsv}, {@code jmh-interleave.sh}'s lines: the mean ops/s per jar and
 *       impl.
 * </ul>
 *
 * <p>The machine a result came from (JDK, cores, date) goes under each chart's title. Files of any
 * other kind are left alone. Not thread-safe; a command-line tool.
 */
public final class ChartMaker {

  /** What {@code startup.sh} measured a start with, by its key in the results. */
  private static final Map<String, String> START_SERIES = Map.of(
      "none", "no archive", "cds", "AppCDS archive", "aot", "AOT cache");

  /** What {@code export-vs-copy.sh} measured, by its key in the results. */
  private static final Map<String, String> EXPORT_SERIES = Map.of(
      "ndjson_rps", "/export NDJSON", "csv_rps", "/export CSV", "copy_rps", "psql COPY");

  private final Path results;
  private final Path out;

  /**
   * @param results the folder of results files
   * @param out the folder the charts are written to (created if missing)
   */
  public ChartMaker(Path results, Path out) {
    this.results = results;
    this.out = out;
  }

  /** {@code ChartMaker RESULTS_DIR OUT_DIR}: writes every chart and prints its path. */
  public static void main(String[] args) throws IOException {
    if (args.length != 2) {
      System.err.println("usage: ChartMaker RESULTS_DIR OUT_DIR");
      System.exit(2);
    }
    System.setProperty("java.awt.headless", "true");
    for (Path p : new ChartMaker(Path.of(args[0]), Path.of(args[1])).run()) {
      System.out.println(p);
    }
  }

  /**
   * Renders every chart the results folder holds data for.
   *
   * @return the PNG files written, in name order
   * @throws IOException when a file cannot be read or written
   * @throws IllegalArgumentException naming the file, when a results file is malformed
   */
  public List<Path> run() throws IOException {
    Files.createDirectories(out);
    List<Path> files;
    try (Stream<Path> s = Files.list(results)) {
      files = s.sorted().collect(Collectors.toList());
    }
    List<Path> written = new ArrayList<>();
    for (Path f : files) {
      String name = f.getFileName().toString();
      try {
        if (name.endsWith(".properties")) {
          written.addAll(fromLoad(f, name.substring(0, name.length() - ".properties".length())));
        } else if (name.startsWith("jmh-") && name.endsWith(".json")) {
          written.add(fromJmh(f, name.substring(0, name.length() - ".json".length())));
        } else if (name.startsWith("interleave-") && name.endsWith(".tsv")) {
          written.add(fromInterleave(f, name.substring(0, name.length() - ".tsv".length())));
        }
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(f + ": " + e.getMessage(), e);
      }
    }
    return written;
  }

  private List<Path> fromLoad(Path file, String name) throws IOException {
    // In the file's order, so that bars and lines come in the order the script measured them.
    Map<String, String> p = new LinkedHashMap<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      int eq = line.indexOf('=');
      if (!line.isBlank() && !line.startsWith("#") && eq > 0) {
        p.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
      }
    }
    String machine = machine(p.get("jdk"), p.get("cores"), p.get("date"));
    List<Path> written = new ArrayList<>();
    List<Chart.Bar> pairs = new ArrayList<>();
    List<Chart.Bar> starts = new ArrayList<>();
    Map<String, double[]> curves = new LinkedHashMap<>();
    List<Chart.Bar> rows = new ArrayList<>();
    List<Chart.Bar> p99s = new ArrayList<>();
    for (String key : p.keySet()) {
      if (EXPORT_SERIES.containsKey(key)) {
        rows.add(new Chart.Bar("best round of each", EXPORT_SERIES.get(key), number(p, key)));
      } else if (key.endsWith(".p99_200_ms") && key.split("\\.").length == 3) {
        String[] parts = key.split("\\.");
        p99s.add(new Chart.Bar(parts[1], parts[0], number(p, key)));
      } else if (key.endsWith("a_rps")) {
        String prefix = key.substring(0, key.length() - "a_rps".length());
        String group = prefix.isEmpty() ? p.getOrDefault("title", name) : prefix.substring(0, prefix.length() - 1);
        pairs.add(new Chart.Bar(group, p.getOrDefault(prefix + "a", "a"), number(p, key)));
        pairs.add(new Chart.Bar(group, p.getOrDefault(prefix + "b", "b"), number(p, prefix + "b_rps")));
      } else if (key.startsWith("startup.") && key.endsWith(".median_ms")) {
        String[] parts = key.split("\\.");
        starts.add(new Chart.Bar(parts[1] + " " + parts[2], START_SERIES.getOrDefault(parts[3], parts[3]),
            number(p, key)));
      } else if (key.startsWith("curve.")) {
        String[] values = p.get(key).split(",");
        double[] series = new double[values.length];
        for (int i = 0; i < values.length; i++) {
          series[i] = Double.parseDouble(values[i].trim());
        }
        curves.put(key.substring("curve.".length()), series);
      }
    }
    if (!pairs.isEmpty()) {
      written.add(write(name, Chart.bars(name + ": best runs", machine, "requests/s", pairs)));
    }
    if (!starts.isEmpty()) {
      written.add(write(name, Chart.bars("start to 'listening' (median of "
          + p.getOrDefault("runs", "?") + ")", machine, "ms", starts)));
    }
    if (!rows.isEmpty()) {
      written.add(write(name, Chart.bars(name + ": rows/s", machine, "rows/s", rows)));
    }
    if (!p99s.isEmpty()) {
      written.add(write(name, Chart.bars(name + ": p99 of the admitted requests, by phase", machine,
          "ms", p99s)));
    }
    if (!curves.isEmpty()) {
      written.add(write(name + "-curve", Chart.lines("a fresh shop under load: /products/{random}",
          machine, "requests/s per slice", curves)));
    }
    return written;
  }

  private Path fromJmh(Path file, String name) throws IOException {
    JsonArray runs = new JsonArray(Files.readString(file, StandardCharsets.UTF_8));
    List<Chart.Bar> bars = new ArrayList<>();
    String jvm = null;
    for (int i = 0; i < runs.size(); i++) {
      JsonObject run = runs.getJsonObject(i);
      String bench = run.getString("benchmark");
      String shortName = bench.substring(bench.lastIndexOf('.', bench.lastIndexOf('.') - 1) + 1);
      JsonObject params = run.getJsonObject("params");
      String label = params == null || params.isEmpty() ? "" : params.stream()
          .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" "));
      JsonObject metric = run.getJsonObject("primaryMetric");
      bars.add(new Chart.Bar(shortName + " (" + metric.getString("scoreUnit") + ")",
          label.isEmpty() ? shortName : label, metric.getDouble("score")));
      // Counters a benchmark reports per iteration (@AuxCounters EVENTS, unit "#", such as a
      // paired benchmark's times and ratio): JMH's score is their sum over the iterations, so
      // draw their mean per iteration instead.
      JsonObject secondary = run.getJsonObject("secondaryMetrics", new JsonObject());
      for (String counter : secondary.fieldNames()) {
        JsonObject m = secondary.getJsonObject(counter);
        if ("#".equals(m.getString("scoreUnit"))) {
          bars.add(new Chart.Bar(shortName + ": mean per iteration", counter, meanOfRawData(m)));
        }
      }
      jvm = run.getString("jdkVersion") + " " + run.getString("vmName", "");
    }
    if (bars.isEmpty()) {
      throw new IllegalArgumentException("no JMH results");
    }
    return write(name, Chart.bars(name.substring("jmh-".length()), machine(jvm, null,
        Files.getLastModifiedTime(file).toInstant().toString().substring(0, 10)), "score", bars));
  }

  /** The mean of a metric's values over every iteration of every fork. */
  private static double meanOfRawData(JsonObject metric) {
    double sum = 0;
    int n = 0;
    JsonArray forks = metric.getJsonArray("rawData");
    for (int f = 0; f < forks.size(); f++) {
      JsonArray iterations = forks.getJsonArray(f);
      for (int i = 0; i < iterations.size(); i++) {
        sum += iterations.getDouble(i);
        n++;
      }
    }
    return n == 0 ? 0 : sum / n;
  }

  private Path fromInterleave(Path file, String name) throws IOException {
    // round, jar, impl, score, cpu-ns/op, context-switches/op, load, time[, unit]; a failed run
    // has "failed" for its score and is left out of the mean
    Map<String, double[]> sums = new LinkedHashMap<>();
    String unit = "ops/s";
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      String[] f = line.split("\t");
      if (line.isBlank() || line.startsWith("#") || f.length < 4 || f[3].isEmpty()
          || f[3].equals("failed")) {
        continue;
      }
      if (f.length > 8 && !f[8].isBlank()) {
        unit = f[8];
      }
      double[] s = sums.computeIfAbsent(f[1] + "\t" + f[2], k -> new double[2]);
      s[0] += Double.parseDouble(f[3]);
      s[1]++;
    }
    List<Chart.Bar> bars = new ArrayList<>();
    sums.forEach((k, s) -> {
      String[] jarImpl = k.split("\t");
      bars.add(new Chart.Bar(jarImpl[0], jarImpl[1], s[0] / s[1]));
    });
    if (bars.isEmpty()) {
      throw new IllegalArgumentException("no runs");
    }
    return write(name, Chart.bars(name.substring("interleave-".length()) + ": mean of the runs",
        machine(null, null, Files.getLastModifiedTime(file).toInstant().toString().substring(0, 10)),
        unit, bars));
  }

  private Path write(String name, java.awt.image.BufferedImage image) throws IOException {
    Path png = out.resolve("bench-" + name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.-]+", "-") + ".png");
    javax.imageio.ImageIO.write(image, "png", png.toFile());
    return png;
  }

  private static String machine(String jdk, String cores, String date) {
    List<String> parts = new ArrayList<>();
    if (jdk != null) {
      parts.add(jdk.strip());
    }
    if (cores != null) {
      parts.add(cores + " cores");
    }
    if (date != null) {
      parts.add(date);
    }
    return String.join(", ", parts);
  }

  private static double number(Map<String, String> p, String key) {
    String v = p.get(key);
    if (v == null) {
      throw new IllegalArgumentException("missing " + key);
    }
    try {
      return Double.parseDouble(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be a number, but was '" + v + "'", e);
    }
  }
}
