package dev.bulwark.examples.shop;

import dev.bulwark.cache.CacheOptions;
import dev.bulwark.core.AdaptiveLimit;
import dev.bulwark.core.PoolSizing;
import dev.bulwark.core.WorkerPool;
import dev.bulwark.db.DbOptions;
import dev.bulwark.tasks.TaskQueueOptions;
import dev.bulwark.web.ServerOptions;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;

/**
 * The shop's settings, as parsed from the command line.
 *
 * @param host the address to bind and to print
 * @param port TCP port, 0 for any free one
 * @param workers the default worker pool's maximum concurrency
 * @param workerQueue the default worker pool's queue bound
 * @param queueTimeout the default worker pool's queue timeout
 * @param eventLoops event-loop threads and server instances
 * @param drainGrace how long SIGTERM waits for in-flight requests
 * @param db the JDBC URL of the shop's database
 * @param dbPoolSize connections in the pool (and JDBC threads)
 * @param redis a Redis URL for two-level caching and the task queue, or null for local ones
 * @param role what this process does: serve HTTP, run tasks, or both
 * @param taskConcurrency tasks run at once by this process, or null for the queue's default
 * @param taskQueue the in-process queue's bound, or null for the queue's default
 * @param adaptive whether the default worker pool's limit adapts to measured latency (a gradient
 *     limit between 1 and {@code workers}, starting at {@code workers}) instead of staying fixed
 */
public record ShopConfig(String host, int port, int workers, int workerQueue, Duration queueTimeout,
    int eventLoops, Duration drainGrace, String db, int dbPoolSize, String redis, Role role,
    Integer taskConcurrency, Integer taskQueue, boolean adaptive) {

  /** Settings with a fixed worker pool limit. */
  public ShopConfig(String host, int port, int workers, int workerQueue, Duration queueTimeout,
      int eventLoops, Duration drainGrace, String db, int dbPoolSize, String redis, Role role,
      Integer taskConcurrency, Integer taskQueue) {
    this(host, port, workers, workerQueue, queueTimeout, eventLoops, drainGrace, db, dbPoolSize,
        redis, role, taskConcurrency, taskQueue, false);
  }

  /** Settings with the task queue's own concurrency and bound. */
  public ShopConfig(String host, int port, int workers, int workerQueue, Duration queueTimeout,
      int eventLoops, Duration drainGrace, String db, int dbPoolSize, String redis, Role role) {
    this(host, port, workers, workerQueue, queueTimeout, eventLoops, drainGrace, db, dbPoolSize,
        redis, role, null, null);
  }

  /** What a shop process does; web and worker processes scale apart, as Celery users run them. */
  public enum Role {
    /** Serves the HTTP contract and submits tasks; runs none (they need {@code --redis}). */
    WEB,
    /** Runs tasks; serves only {@code /health}, {@code /ready} and {@code /metrics}. */
    WORKER,
    /** Both: the default, and the only choice with the in-process queue. */
    ALL;

    boolean servesShop() {
      return this != WORKER;
    }

    boolean runsTasks() {
      return this != WEB;
    }
  }

  /** The embedded default database: H2 in memory, kept while the process runs. */
  public static final String DEFAULT_DB = "jdbc:h2:mem:shop;DB_CLOSE_DELAY=-1";

  /** The defaults: port 8080, the library's default pool sizing, one event loop per core. */
  public static ShopConfig defaults() {
    int workers = PoolSizing.defaultConcurrency();
    return new ShopConfig("127.0.0.1", 8080, workers, WorkerPool.DEFAULT_QUEUE_FACTOR * workers,
        WorkerPool.DEFAULT_QUEUE_TIMEOUT, ServerOptions.DEFAULT_EVENT_LOOPS,
        ServerOptions.DEFAULT_DRAIN_GRACE, DEFAULT_DB, DbOptions.DEFAULT_MAXIMUM_POOL_SIZE, null, Role.ALL);
  }

  /** The same settings on another port. */
  public ShopConfig withPort(int newPort) {
    return new ShopConfig(host, newPort, workers, workerQueue, queueTimeout, eventLoops, drainGrace,
        db, dbPoolSize, redis, role, taskConcurrency, taskQueue, adaptive);
  }

  /** The server options these settings mean. */
  ServerOptions serverOptions() {
    return ServerOptions.builder()
        .host(host)
        .port(port)
        .eventLoops(eventLoops)
        .drainGrace(drainGrace)
        .workerPool(WorkerPool.DEFAULT_NAME, b -> b.maxConcurrency(workers).maxQueue(workerQueue)
            .queueTimeout(queueTimeout)
            .adaptiveLimit(adaptive ? AdaptiveLimit.gradient(1, workers) : null))
        .cache(redis == null ? CacheOptions.builder().build()
            : CacheOptions.builder().redisUrl(redis).build())
        .build();
  }

  /** The task queue options these settings mean, its meters in {@code registry}. */
  TaskQueueOptions taskOptions(MeterRegistry registry) {
    TaskQueueOptions.Builder b = TaskQueueOptions.builder()
        .name("shop")
        .runWorkers(role.runsTasks())
        .meterRegistry(registry);
    if (redis != null) {
      b.redis(redis);
    }
    if (taskConcurrency != null) {
      b.concurrency(taskConcurrency);
    }
    if (taskQueue != null) {
      b.maxQueued(taskQueue);
    }
    return b.build();
  }
}
