package dev.bulwark.examples.shop;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * An open-loop load of mixed shop traffic at a fixed rate: request {@code i} is sent at
 * {@code start + i / rate} whatever the answers so far, and its latency counts from that
 * scheduled time (no coordinated omission), so a stall shows as latency, not as fewer requests.
 * The paths are taken in turn. Results: statuses, connection errors and latencies, overall and
 * per second of the run. Thread-safe counters; the scheduler is the calling thread.
 *
 * <p>Also a command for the cold-start measurement:
 * {@code java -cp examples/target/test-classes:examples/target/bulwark-examples.jar
 * dev.bulwark.examples.shop.MixedLoad http://127.0.0.1:PORT RATE SECONDS}.
 */
final class MixedLoad {

  private static final HttpClient CLIENT = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

  /** What one run saw. */
  record Result(int sent, Map<String, Integer> outcomes, long[] latenciesNanos, int[] secondOf) {

    /** Answers other than 2xx/304 and connection errors, by "path -> status or error". */
    Map<String, Integer> failures() {
      Map<String, Integer> f = new TreeMap<>();
      outcomes.forEach((k, v) -> {
        if (!k.endsWith(" 2xx") && !k.endsWith(" 304")) {
          f.put(k, v);
        }
      });
      return f;
    }

    /** The latency at quantile {@code q} (0..1) of all answers, in milliseconds. */
    double percentileMs(double q) {
      return percentile(latenciesNanos, q);
    }

    /** p99 per second of the run, in milliseconds. */
    List<Double> p99BySecond() {
      int seconds = Arrays.stream(secondOf).max().orElse(-1) + 1;
      List<Double> out = new ArrayList<>();
      for (int s = 0; s < seconds; s++) {
        int sec = s;
        long[] l = java.util.stream.IntStream.range(0, latenciesNanos.length)
            .filter(i -> secondOf[i] == sec && latenciesNanos[i] >= 0).mapToLong(i -> latenciesNanos[i]).toArray();
        out.add(l.length == 0 ? 0 : percentile(l, 0.99));
      }
      return out;
    }

    private static double percentile(long[] values, double q) {
      long[] v = Arrays.stream(values).filter(x -> x >= 0).sorted().toArray();
      if (v.length == 0) {
        return 0;
      }
      int i = (int) Math.min(v.length - 1, Math.ceil(q * v.length) - 1);
      return v[Math.max(0, i)] / 1e6;
    }
  }

  private MixedLoad() {
  }

  /** Sends {@code rate} requests a second for {@code duration} (at least; until {@code until} is done too). */
  static Result run(String base, List<String> paths, int rate, Duration duration,
      CompletableFuture<?> until) throws Exception {
    Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();
    int capacity = (int) (rate * (duration.toSeconds() + 300));
    long[] latencies = new long[capacity];
    int[] secondOf = new int[capacity];
    Arrays.fill(latencies, -1);
    List<CompletableFuture<?>> pending = new ArrayList<>();
    long start = System.nanoTime();
    long end = start + duration.toNanos();
    long interval = TimeUnit.SECONDS.toNanos(1) / rate;
    int i = 0;
    for (; i < capacity; i++) {
      long at = start + i * interval;
      if (at >= end && (until == null || until.isDone())) {
        break;
      }
      long wait = at - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait); // pacing of an open-loop generator
      }
      String path = paths.get(i % paths.size());
      int index = i;
      secondOf[i] = (int) ((at - start) / 1_000_000_000L);
      HttpRequest request = HttpRequest.newBuilder(URI.create(base + path))
          .timeout(Duration.ofSeconds(20)).GET().build();
      pending.add(CLIENT.sendAsync(request, HttpResponse.BodyHandlers.discarding())
          .handle((r, e) -> {
            latencies[index] = System.nanoTime() - at;
            String key = e != null ? path + " " + rootCause(e)
                : r.statusCode() == 304 ? path + " 304"
                : r.statusCode() >= 200 && r.statusCode() < 300 ? path + " 2xx"
                : path + " " + r.statusCode();
            outcomes.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
            return null;
          }));
    }
    CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    Map<String, Integer> counts = new TreeMap<>();
    outcomes.forEach((k, v) -> counts.put(groupPath(k), counts.getOrDefault(groupPath(k), 0) + v.get()));
    return new Result(i, counts, Arrays.copyOf(latencies, i), Arrays.copyOf(secondOf, i));
  }

  /** Product ids and hashes collapse, so the outcome keys stay few. */
  private static String groupPath(String key) {
    return key.replaceAll("/products/\\d+", "/products/N").replaceAll("\\.[0-9a-f]{8}\\.", ".HASH.");
  }

  private static String rootCause(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getClass().getSimpleName();
  }

  /** The mixed traffic of the issue: hello, products, cached products, users, assets. */
  static List<String> paths(String assetUrl) {
    List<String> p = new ArrayList<>();
    for (int id = 1; id <= 20; id++) {
      p.add("/hello");
      p.add("/products/" + (id * 37 % 500 + 1));
      p.add("/products/" + (id % 50 + 1) + "/cached");
      p.add("/users?limit=" + (id % 5 + 1));
      p.add(assetUrl);
    }
    return p;
  }

  public static void main(String[] args) throws Exception {
    String base = args[0];
    int rate = Integer.parseInt(args[1]);
    Duration duration = Duration.ofSeconds(Long.parseLong(args[2]));
    String asset = args.length > 3 ? args[3] : "/assets/app.js";
    Result r = run(base, paths(asset), rate, duration, null);
    System.out.printf("sent=%d p50=%.1fms p99=%.1fms max=%.1fms failures=%s%n", r.sent(),
        r.percentileMs(0.5), r.percentileMs(0.99), r.percentileMs(1.0), r.failures());
    List<Double> bySecond = r.p99BySecond();
    StringBuilder sb = new StringBuilder("p99 by second (ms):");
    for (double d : bySecond) {
      sb.append(String.format(" %.0f", d));
    }
    System.out.println(sb);
  }
}
