package dev.bulwark.examples.shop;

import dev.bulwark.cache.Cache;
import dev.bulwark.cache.CacheHealth;
import dev.bulwark.cache.CacheManager;
import dev.bulwark.core.PoolStats;
import dev.bulwark.core.WorkerPool;
import dev.bulwark.db.Db;
import dev.bulwark.db.DbStats;
import dev.bulwark.tasks.TaskQueue;
import dev.bulwark.tasks.TaskQueueHealth;
import dev.bulwark.tasks.TaskStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code GET /ops/api/state} answers: one snapshot of the shop's worker pools, database
 * pools, caches and task queues. Pools and databases come from their {@code stats()}; a cache's
 * hits and misses, and a task queue's oldest age, running count and outcome counters, come from the
 * meters the modules register in the shop's registry (the numbers {@code /metrics} exports, counted
 * by this process since it started); depth, health and the dead-letter list are asked of the
 * queue. Thread-safe; {@link #snapshot()} runs on the caller's event loop and never blocks.
 */
final class OpsState {

  /** Dead tasks listed per queue, newest first. */
  static final int DEAD_LIST_LIMIT = 100;

  /** The whole answer. */
  record Snapshot(String time, List<PoolView> workerPools, List<DbView> databases,
      CachesView caches, List<QueueView> taskQueues) {
  }

  /** A worker pool. */
  record PoolView(String name, int active, int queued, int limit, int maxQueue, long completed,
      long rejected) {
    static PoolView of(PoolStats s) {
      return new PoolView(s.name(), s.active(), s.queued(), s.limit(), s.maxQueue(), s.completed(),
          s.rejected());
    }
  }

  /**
   * A database pool; {@code pending} callers wait for one of its connections, {@code loopReads}
   * are reads in flight on the event loops' own connections (beside the pool's).
   */
  record DbView(String name, int active, int idle, int total, int pending, int max, boolean up,
      int loopReads) {
    static DbView of(String name, DbStats s) {
      return new DbView(name, s.active(), s.idle(), s.total(), s.waiting(), s.maximumPoolSize(), s.up(),
          s.loopReads());
    }
  }

  /** The cache manager's health and each cache; {@code breaker} is DISABLED without Redis. */
  record CachesView(String status, String breaker, String detail, List<CacheView> caches) {
  }

  /**
   * A cache. {@code hitRatio} is null before the first lookup; {@code size} counts the local tier's
   * entries and is null for a cache that has none (the shared tier alone).
   */
  record CacheView(String name, String tier, long hits, long misses, Double hitRatio, Long size) {
  }

  /**
   * A task queue. {@code deadTasks} holds at most {@link #DEAD_LIST_LIMIT}, newest first;
   * {@code depth} is -1 when the store did not answer.
   */
  record QueueView(String name, String backend, boolean healthy, String detail, long depth,
      double oldestAgeSeconds, long running, long submitted, long succeeded, long failed,
      long dead, int deadListed, boolean deadListTruncated, List<DeadTask> deadTasks) {
  }

  /** A dead task. */
  record DeadTask(String id, String type, String error, int attempts, String createdAt,
      String finishedAt) {
    static DeadTask of(TaskStatus s) {
      return new DeadTask(s.id(), s.type(), s.error(), s.attempts(), text(s.createdAt()),
          text(s.finishedAt()));
    }
  }

  private final List<WorkerPool> pools;
  private final Map<String, Db> databases;
  private final CacheManager caches;
  private final List<TaskQueue> queues;
  private final MeterRegistry registry;

  /**
   * @param databases the database pools by the name the page shows, in the order it shows them
   */
  OpsState(List<WorkerPool> pools, Map<String, Db> databases, CacheManager caches,
      List<TaskQueue> queues, MeterRegistry registry) {
    this.pools = List.copyOf(pools);
    this.databases = databases;
    this.caches = caches;
    this.queues = List.copyOf(queues);
    this.registry = registry;
  }

  /** The task queue named {@code name}, or null. */
  TaskQueue queue(String name) {
    for (TaskQueue q : queues) {
      if (q.name().equals(name)) {
        return q;
      }
    }
    return null;
  }

  /** The task queues, in the order the page shows them. */
  List<TaskQueue> queues() {
    return queues;
  }

  /**
   * A snapshot. A task queue whose store does not answer (Redis down) is shown unhealthy with the
   * failure in its {@code detail}, so the rest of the page still shows, when it matters most.
   */
  Future<Snapshot> snapshot() {
    List<PoolView> poolViews = new ArrayList<>();
    for (WorkerPool p : pools) {
      poolViews.add(PoolView.of(p.stats()));
    }
    List<DbView> dbViews = new ArrayList<>();
    databases.forEach((name, db) -> dbViews.add(DbView.of(name, db.stats())));
    CachesView cacheView = caches();
    List<Future<QueueView>> queueViews = new ArrayList<>();
    for (TaskQueue q : queues) {
      queueViews.add(queue(q));
    }
    return Future.all(queueViews).map(all -> new Snapshot(Instant.now().toString(), poolViews,
        dbViews, cacheView, all.<QueueView>list()));
  }

  private CachesView caches() {
    Map<String, long[]> counts = new TreeMap<>();
    for (FunctionCounter c : registry.find("bulwark.cache.gets").functionCounters()) {
      long[] hm = counts.computeIfAbsent(c.getId().getTag("cache"), n -> new long[2]);
      hm["hit".equals(c.getId().getTag("result")) ? 0 : 1] += (long) c.count();
    }
    List<CacheView> views = new ArrayList<>();
    counts.forEach((name, hm) -> {
      Cache<?> cache = caches.find(name);
      if (cache == null) {
        return;
      }
      long lookups = hm[0] + hm[1];
      views.add(new CacheView(name, cache.tier().name(), hm[0], hm[1],
          lookups == 0 ? null : (double) hm[0] / lookups, localSize(cache)));
    });
    CacheHealth health = caches.health();
    return new CachesView(health.status().name(), health.breakerState().name(), health.detail(), views);
  }

  private static Long localSize(Cache<?> cache) {
    try {
      return cache.unwrap(com.github.benmanes.caffeine.cache.Cache.class).estimatedSize();
    } catch (IllegalArgumentException e) {
      // A cache on the shared tier alone keeps nothing locally; its size lives in Redis.
      return null;
    }
  }

  private Future<QueueView> queue(TaskQueue q) {
    Future<Long> depth = q.depth();
    Future<TaskQueueHealth> health = q.health();
    Future<List<TaskStatus>> dead = q.deadLetters(DEAD_LIST_LIMIT + 1);
    return Future.all(depth, health, dead).<QueueView>map(all -> {
      TaskQueueHealth h = health.result();
      return queue(q, h.backend(), h.healthy(), h.detail(), depth.result(), dead.result());
    }).recover(e -> Future.succeededFuture(queue(q, q.options().usesRedis() ? "redis" : "in-process",
        false, "store unavailable: " + e.getMessage(), -1, List.of())));
  }

  private QueueView queue(TaskQueue q, String backend, boolean healthy, String detail, long depth,
      List<TaskStatus> listed) {
    boolean truncated = listed.size() > DEAD_LIST_LIMIT;
    List<DeadTask> deadTasks = new ArrayList<>();
    for (TaskStatus s : truncated ? listed.subList(0, DEAD_LIST_LIMIT) : listed) {
      deadTasks.add(DeadTask.of(s));
    }
    String name = q.name();
    return new QueueView(name, backend, healthy, detail, depth, gauge("bulwark.tasks.oldest.age", name),
        (long) gauge("bulwark.tasks.running", name), count("bulwark.tasks.submitted", name),
        count("bulwark.tasks.succeeded", name), count("bulwark.tasks.failed", name),
        count("bulwark.tasks.dead", name), deadTasks.size(), truncated, deadTasks);
  }

  private double gauge(String name, String queue) {
    Gauge g = registry.find(name).tag("queue", queue).gauge();
    return g == null ? 0 : g.value();
  }

  private long count(String name, String queue) {
    double sum = 0;
    for (Counter c : registry.find(name).tag("queue", queue).counters()) {
      sum += c.count();
    }
    return (long) sum;
  }

  private static String text(Instant t) {
    return t == null ? null : t.toString();
  }
}
