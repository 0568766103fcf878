package dev.bulwark.benchmarks.tasks;

import dev.bulwark.tasks.QueueFullException;
import dev.bulwark.tasks.TaskQueue;
import dev.bulwark.tasks.TaskQueueOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.api.options.KeysScanOptions;
import org.redisson.api.redisnode.RedisNode;
import org.redisson.api.redisnode.RedisNodes;
import org.redisson.config.Config;

/**
 * Background tasks under load, in one run: no-op tasks submitted and completed per second by the
 * in-process queue, by the Redis queue, and by the bare Redis Streams cycle the Redis queue is
 * built on ({@link RawStreamCycle}: {@code XADD}, {@code XREADGROUP}, {@code XACK}, nothing
 * else); then the submit-to-start latency of the Redis queue at a fixed rate (open loop: each
 * task is submitted at its scheduled time whatever the queue does, and its latency is measured
 * from that time). Each throughput line also gives the CPU time one task cost this JVM (all
 * threads: the submitting harness, the queue, the Redis client) and the Redis server
 * ({@code INFO cpu}): on a machine shared with other work, where the rates swing with the load,
 * the CPU per task is the steadier measure of what a change saved.
 *
 * <pre>{@code
 * java -cp benchmarks/target/benchmarks.jar dev.bulwark.benchmarks.tasks.TaskLoad \
 *     [--redis redis://127.0.0.1:6379] [--tasks 50000] [--rate 1000] [--seconds 10] [--concurrency 32]
 * }</pre>
 *
 * <p>Read the ratio {@code redis / raw} of the same run. Each phase uses its own queue name, so
 * nothing of a previous run is consumed; every key a phase creates (stream, task hashes) is
 * deleted after it with {@code SCAN} and {@code UNLINK}, so repeated runs do not leave tens of
 * thousands of task hashes behind on a shared server (where they would make every other user's
 * {@code KEYS} slow).
 */
public final class TaskLoad {

  /** The payload of a no-op task: when it was (or should have been) submitted. */
  public record Stamp(long submittedNanos) {
  }

  /** Tasks per second and the CPU each cost this JVM and the Redis server, in microseconds. */
  private record Rate(double perSecond, double jvmMicros, double redisMicros) {
    String cpu() {
      return String.format(Locale.ROOT, "cpu per task: jvm %.1f us, redis %.1f us", jvmMicros,
          redisMicros);
    }
  }

  private final Vertx vertx = Vertx.vertx();
  private RedissonClient admin;
  private final String redis;
  private final int tasks;
  private final int rate;
  private final int seconds;
  private final int concurrency;

  private TaskLoad(String redis, int tasks, int rate, int seconds, int concurrency) {
    this.redis = redis;
    this.tasks = tasks;
    this.rate = rate;
    this.seconds = seconds;
    this.concurrency = concurrency;
  }

  public static void main(String[] args) throws Exception {
    String redis = "redis://127.0.0.1:6379";
    int tasks = 50_000;
    int rate = 1000;
    int seconds = 10;
    int concurrency = 32;
    for (int i = 0; i < args.length; i += 2) {
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(args[i] + " needs a value");
      }
      switch (args[i]) {
        case "--redis" -> redis = args[i + 1];
        case "--tasks" -> tasks = positive(args[i], args[i + 1]);
        case "--rate" -> rate = positive(args[i], args[i + 1]);
        case "--seconds" -> seconds = positive(args[i], args[i + 1]);
        case "--concurrency" -> concurrency = positive(args[i], args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]
            + " (known: --redis, --tasks, --rate, --seconds, --concurrency)");
      }
    }
    new TaskLoad(redis, tasks, rate, seconds, concurrency).run();
  }

  private static int positive(String option, String text) {
    int v = Integer.parseInt(text);
    if (v < 1) {
      throw new IllegalArgumentException(option + " must be >= 1, but was " + v);
    }
    return v;
  }

  private void run() throws Exception {
    Config config = new Config();
    config.useSingleServer().setAddress(redis);
    admin = Redisson.create(config);
    try {
      System.out.printf(Locale.ROOT, "tasks=%d concurrency=%d java=%s cores=%d%n", tasks, concurrency,
          System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());
      Rate inProcess = throughput(null);
      Rate onRedis = throughput(redis);
      Rate raw;
      try (RawStreamCycle cycle = new RawStreamCycle(redis, concurrency)) {
        long jvm0 = jvmCpuNanos();
        double redis0 = redisCpuSeconds();
        double rate = cycle.run(tasks);
        raw = new Rate(rate, (jvmCpuNanos() - jvm0) / 1e3 / tasks,
            (redisCpuSeconds() - redis0) * 1e6 / tasks);
      }
      System.out.printf(Locale.ROOT, "throughput  in-process %,10.0f tasks/s   (%s)%n",
          inProcess.perSecond(), inProcess.cpu());
      System.out.printf(Locale.ROOT, "throughput  redis      %,10.0f tasks/s   (%s)%n",
          onRedis.perSecond(), onRedis.cpu());
      System.out.printf(Locale.ROOT,
          "throughput  raw cycle  %,10.0f cycles/s  (%s)  (redis / raw = %.2f)%n",
          raw.perSecond(), raw.cpu(), onRedis.perSecond() / raw.perSecond());
      System.out.printf(Locale.ROOT, "RESULT in_process_tps=%.0f redis_tps=%.0f raw_cps=%.0f redis_vs_raw=%.2f%n",
          inProcess.perSecond(), onRedis.perSecond(), raw.perSecond(), onRedis.perSecond() / raw.perSecond());
      latency();
    } finally {
      vertx.close().await();
      admin.shutdown();
    }
  }

  /** CPU time of this JVM so far (all threads), in nanoseconds. */
  private static long jvmCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /**
   * CPU time of the Redis server so far, in seconds ({@code INFO cpu}); on a shared server it
   * includes what other clients cost it meanwhile.
   */
  private double redisCpuSeconds() {
    Map<String, String> info = admin.getRedisNodes(RedisNodes.SINGLE).getInstance()
        .info(RedisNode.InfoSection.CPU);
    return Double.parseDouble(info.get("used_cpu_sys")) + Double.parseDouble(info.get("used_cpu_user"));
  }

  private TaskQueue queue(String redisUrl, String phase) {
    TaskQueueOptions.Builder b = TaskQueueOptions.builder()
        .name("load-" + phase + "-" + UUID.randomUUID().toString().substring(0, 8))
        .concurrency(concurrency);
    if (redisUrl != null) {
      b.redis(redisUrl);
    } else {
      b.maxQueued(tasks);
    }
    return TaskQueue.create(vertx, b.build());
  }

  /** Submits {@link #tasks} no-op tasks, at most 1000 unanswered at a time; tasks per second. */
  private Rate throughput(String redisUrl) throws Exception {
    TaskQueue queue = queue(redisUrl, "throughput");
    CountDownLatch done = new CountDownLatch(tasks);
    queue.registerAsync("noop", Stamp.class, (p, ctx) -> {
      done.countDown();
      return Future.succeededFuture(null);
    });
    queue.start().await();
    try {
      long jvm0 = jvmCpuNanos();
      double redis0 = redisCpuSeconds();
      long start = System.nanoTime();
      submitAll(queue);
      if (!done.await(300, TimeUnit.SECONDS)) {
        throw new IllegalStateException((redisUrl == null ? "in-process" : "redis")
            + ": " + done.getCount() + " tasks not run after 300 s");
      }
      double rate = tasks / ((System.nanoTime() - start) / 1e9);
      return new Rate(rate, (jvmCpuNanos() - jvm0) / 1e3 / tasks,
          (redisCpuSeconds() - redis0) * 1e6 / tasks);
    } finally {
      queue.close().await();
      if (redisUrl != null) {
        deleteKeys(queue.name());
      }
    }
  }

  /** Deletes every key of queue {@code name} (SCAN, not KEYS: the server may be shared). */
  private void deleteKeys(String name) {
    List<String> batch = new ArrayList<>();
    for (String key : admin.getKeys().getKeys(KeysScanOptions.defaults()
        .pattern("{bulwark:tasks:" + name + "}*").chunkSize(1000))) {
      batch.add(key);
      if (batch.size() == 1000) {
        admin.getKeys().unlink(batch.toArray(String[]::new));
        batch.clear();
      }
    }
    if (!batch.isEmpty()) {
      admin.getKeys().unlink(batch.toArray(String[]::new));
    }
  }

  private void submitAll(TaskQueue queue) throws Exception {
    Promise<Void> all = Promise.promise();
    AtomicInteger next = new AtomicInteger();
    AtomicInteger answered = new AtomicInteger();
    vertx.runOnContext(v -> {
      for (int i = 0; i < Math.min(1000, tasks); i++) {
        submitNext(queue, next, answered, all);
      }
    });
    all.future().await();
  }

  /**
   * Submits the next task, and the one after for each answer that is already there (the
   * in-process queue answers at once): a loop, not a recursion that would overflow the stack.
   */
  private void submitNext(TaskQueue queue, AtomicInteger next, AtomicInteger answered,
      Promise<Void> all) {
    while (next.getAndIncrement() < tasks) {
      Future<String> f = queue.submit("noop", new Stamp(System.nanoTime()));
      if (!f.isComplete()) {
        f.onComplete(ar -> {
          if (answer(ar.cause(), answered, all)) {
            submitNext(queue, next, answered, all);
          }
        });
        return;
      }
      if (!answer(f.cause(), answered, all)) {
        return;
      }
    }
  }

  /** Records one answer; false when the run is over (all answered, or one failed). */
  private boolean answer(Throwable failure, AtomicInteger answered, Promise<Void> all) {
    if (failure != null) {
      all.tryFail(failure);
      return false;
    }
    if (answered.incrementAndGet() == tasks) {
      all.tryComplete();
      return false;
    }
    return true;
  }

  /** Submits {@link #rate} tasks a second for {@link #seconds}; prints submit-to-start latency. */
  private void latency() throws Exception {
    TaskQueue queue = queue(redis, "latency");
    int total = rate * seconds;
    long[] latencies = new long[total];
    AtomicInteger started = new AtomicInteger();
    AtomicLong rejected = new AtomicLong();
    CountDownLatch done = new CountDownLatch(total);
    queue.registerAsync("noop", Stamp.class, (p, ctx) -> {
      if (ctx.attempt() == 1) {
        int i = started.getAndIncrement();
        if (i < total) {
          latencies[i] = System.nanoTime() - p.submittedNanos();
        }
        done.countDown();
      }
      return Future.succeededFuture(null);
    });
    queue.start().await();
    try {
      long begin = System.nanoTime();
      long periodNanos = TimeUnit.SECONDS.toNanos(1) / rate;
      AtomicInteger sent = new AtomicInteger();
      // One timer a millisecond submits every task whose time has come, each stamped with its
      // scheduled time: a stall delays the submit, and the stall counts in the latency.
      long timer = vertx.setPeriodic(1, id -> {
        long now = System.nanoTime();
        while (sent.get() < total && begin + sent.get() * periodNanos <= now) {
          long scheduled = begin + sent.getAndIncrement() * periodNanos;
          queue.submit("noop", new Stamp(scheduled)).onFailure(e -> {
            rejected.incrementAndGet();
            if (!(e instanceof QueueFullException)) {
              System.err.println("submit failed: " + e);
            }
            done.countDown();
          });
        }
      });
      boolean finished = done.await(seconds + 60L, TimeUnit.SECONDS);
      vertx.cancelTimer(timer);
      int n = Math.min(started.get(), total);
      long[] sorted = Arrays.copyOf(latencies, n);
      Arrays.sort(sorted);
      System.out.printf(Locale.ROOT,
          "latency     redis at %d/s for %d s: %d started, %d rejected%s; submit-to-start "
              + "p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms%n",
          rate, seconds, n, rejected.get(), finished ? "" : " (timed out)",
          ms(sorted, 0.50), ms(sorted, 0.99), ms(sorted, 0.999), ms(sorted, 1.0));
    } finally {
      queue.close().await();
      deleteKeys(queue.name());
    }
  }

  private static double ms(long[] sorted, double q) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int i = (int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
    return sorted[Math.max(0, i)] / 1e6;
  }
}
