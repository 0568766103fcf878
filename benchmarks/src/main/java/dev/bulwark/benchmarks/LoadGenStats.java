package dev.bulwark.benchmarks;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@link LoadGen} measured: outcomes by status, latencies of 200s and 503s (from each
 * request's scheduled start), errors, and the report built from them. Thread-safe: recording
 * methods are synchronized (they run on the client's event loops, at most a few hundred thousand
 * times a second, so the lock is uncontended in practice).
 */
final class LoadGenStats {

  /** Upper bounds (inclusive) of the latency distribution's buckets, in ms. */
  static final long[] BUCKET_MS = {1, 2, 5, 10, 20, 50, 100, 200, 350, 500, 1000, 10000};

  private final Map<Integer, Long> statuses = new TreeMap<>();
  private final LongList latencies200 = new LongList();
  private final LongList latencies503 = new LongList();
  private final Map<String, Long> errorKinds = new TreeMap<>();
  private long retryAfter503;
  private long errors;
  private long timeouts;
  private long maxSendLagNanos;
  private long connectionsOpened;

  /** A response arrived {@code latencyNanos} after its scheduled start. */
  synchronized void response(int status, boolean retryAfter, long latencyNanos) {
    statuses.merge(status, 1L, Long::sum);
    if (status == 200) {
      latencies200.add(latencyNanos);
    } else if (status == 503) {
      latencies503.add(latencyNanos);
      if (retryAfter) {
        retryAfter503++;
      }
    }
  }

  /** The request failed without a response (connection refused, reset, closed, ...). */
  synchronized void error(Throwable cause) {
    errors++;
    String kind = cause.getClass().getSimpleName();
    String message = cause.getMessage();
    if (message != null) {
      kind += ": " + (message.length() > 80 ? message.substring(0, 80) + "..." : message);
    }
    errorKinds.merge(kind, 1L, Long::sum);
  }

  /** The request had no answer within the per-request timeout and was reset. */
  synchronized void timeout() {
    timeouts++;
  }

  /** The client opened a connection (warmup included). */
  synchronized void connectionOpened() {
    connectionsOpened++;
  }

  /** A request was issued {@code lagNanos} after its scheduled time. */
  synchronized void sendLag(long lagNanos) {
    maxSendLagNanos = Math.max(maxSendLagNanos, lagNanos);
  }

  /**
   * The value at percentile {@code p} of {@code sorted} (ascending) by the nearest-rank method:
   * the smallest value such that at least {@code p}% of the values are less than or equal to it.
   *
   * @return the value, or {@code NaN} when there are none
   * @throws IllegalArgumentException if {@code p} is not in (0, 100]
   */
  static double percentile(long[] sorted, double p) {
    if (!(p > 0 && p <= 100)) {
      throw new IllegalArgumentException("p must be in (0, 100], but was " + p);
    }
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
  }

  /** The human summary followed by one {@code RESULT ...} line. */
  String report(LoadGenOptions o, long sent, double achievedRate) {
    return report(o, sent, achievedRate, "");
  }

  /**
   * The human summary followed by one {@code RESULT ...} line that ends with {@code resultSuffix}
   * (further {@code name=value} fields, each after a space, or empty).
   */
  synchronized String report(LoadGenOptions o, long sent, double achievedRate, String resultSuffix) {
    long[] ok = latencies200.sorted();
    long[] shed = latencies503.sorted();
    long s200 = statuses.getOrDefault(200, 0L);
    long s503 = statuses.getOrDefault(503, 0L);
    long other = 0;
    for (Map.Entry<Integer, Long> e : statuses.entrySet()) {
      if (e.getKey() != 200 && e.getKey() != 503) {
        other += e.getValue();
      }
    }
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT,
        "LoadGen GET %s: %s req/s for %ss after %ss warmup (timeout %ss, up to %d connections)%n",
        o.url(), num(o.rate()), num(o.duration().toMillis() / 1000.0),
        num(o.warmup().toMillis() / 1000.0), num(o.timeout().toMillis() / 1000.0), o.connections()));
    sb.append(String.format(Locale.ROOT,
        "  sent        %d (achieved %.1f req/s, max send lag %.1f ms, %d connections opened)%n",
        sent, achievedRate, maxSendLagNanos / 1e6, connectionsOpened));
    for (Map.Entry<Integer, Long> e : statuses.entrySet()) {
      sb.append(String.format(Locale.ROOT, "  status %d  %d%s%n", e.getKey(), e.getValue(),
          e.getKey() == 503 ? " (" + retryAfter503 + " with Retry-After)" : ""));
    }
    sb.append(String.format(Locale.ROOT, "  errors      %d connection, %d timed out%n", errors, timeouts));
    for (Map.Entry<String, Long> e : errorKinds.entrySet()) {
      sb.append(String.format(Locale.ROOT, "    %d x %s%n", e.getValue(), e.getKey()));
    }
    sb.append(String.format(Locale.ROOT, "  latency ms  %8s %8s %8s %8s%n", "p50", "p90", "p99", "max"));
    sb.append(latencyRow("200", ok)).append(latencyRow("503", shed));
    sb.append(String.format(Locale.ROOT, "  count <= ms "));
    for (long b : BUCKET_MS) {
      sb.append(String.format(Locale.ROOT, " %6d", b));
    }
    sb.append(String.format(Locale.ROOT, "   more%n"));
    sb.append(bucketRow("200", ok)).append(bucketRow("503", shed));
    sb.append(String.format(Locale.ROOT,
        "RESULT status200=%d status503=%d other=%d errors=%d p99_200_ms=%s p99_503_ms=%s"
            + " retryAfter503=%d sent=%d timeouts=%d p50_200_ms=%s max_200_ms=%s p50_503_ms=%s"
            + " max_503_ms=%s rate=%.1f max_send_lag_ms=%s%s%n",
        s200, s503, other, errors + timeouts, ms(percentile(ok, 99) / 1e6),
        ms(percentile(shed, 99) / 1e6), retryAfter503, sent, timeouts,
        ms(percentile(ok, 50) / 1e6), ms(max(ok) / 1e6), ms(percentile(shed, 50) / 1e6),
        ms(max(shed) / 1e6), achievedRate, ms(maxSendLagNanos / 1e6), resultSuffix));
    return sb.toString();
  }

  private static String latencyRow(String label, long[] sorted) {
    return String.format(Locale.ROOT, "    %-9s %8s %8s %8s %8s%n", label,
        ms(percentile(sorted, 50) / 1e6), ms(percentile(sorted, 90) / 1e6),
        ms(percentile(sorted, 99) / 1e6), ms(max(sorted) / 1e6));
  }

  /** Counts of {@code sorted} (ascending, nanoseconds) per {@link #BUCKET_MS} bucket, then above. */
  static long[] buckets(long[] sorted) {
    long[] counts = new long[BUCKET_MS.length + 1];
    int b = 0;
    for (long v : sorted) {
      while (b < BUCKET_MS.length && v > BUCKET_MS[b] * 1_000_000L) {
        b++;
      }
      counts[b]++;
    }
    return counts;
  }

  private static String bucketRow(String label, long[] sorted) {
    StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "    %-9s", label));
    for (long c : buckets(sorted)) {
      sb.append(String.format(Locale.ROOT, " %6d", c));
    }
    return sb.append(System.lineSeparator()).toString();
  }

  private static double max(long[] sorted) {
    return sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1];
  }

  /** Milliseconds with two decimals, or {@code NaN} when there was nothing to measure. */
  static String ms(double millis) {
    return Double.isNaN(millis) ? "NaN" : String.format(Locale.ROOT, "%.2f", millis);
  }

  private static String num(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }

  /** A growable array of longs, so a long run records millions of samples without boxing. */
  static final class LongList {
    private long[] values = new long[1024];
    private int size;

    void add(long v) {
      if (size == values.length) {
        values = Arrays.copyOf(values, size * 2);
      }
      values[size++] = v;
    }

    long[] sorted() {
      long[] copy = Arrays.copyOf(values, size);
      Arrays.sort(copy);
      return copy;
    }
  }
}
