package dev.bulwark.examples.shop;

import dev.bulwark.cache.CacheOptions;
import dev.bulwark.core.AdaptiveLimit;
import dev.bulwark.core.PoolSizing;
import dev.bulwark.core.RedisEndpoint;
import dev.bulwark.core.ThreadKind;
import dev.bulwark.core.WorkerPool;
import dev.bulwark.db.DbOptions;
import dev.bulwark.tasks.TaskQueueOptions;
import dev.bulwark.web.NetTransport;
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
 * @param redis a Redis URL (or a comma-separated list of a Cluster's nodes) for two-level caching
 *     and the task queue, or null for local ones
 * @param role what this process does: serve HTTP, run tasks, or both
 * @param taskConcurrency tasks run at once by this process, or null for the queue's default
 * @param taskQueue the in-process queue's bound, or null for the queue's default
 * @param accessLog whether to log one line per request (see {@link AccessLog})
 * @param drainDelay how long a drain only turns {@code /ready} to 503 before it refuses requests
 * @param warmUp how long the warm-up may run before the shop listens; zero for none
 * @param ops whether to serve the live ops page {@code /ops} (see {@link OpsRoutes})
 * @param opsToken the bearer token {@code /ops/api} requires from every client, or null to allow
 *     loopback clients only
 * @param adaptive whether the default worker pool's limit adapts to measured latency (a gradient
 *     limit between 1 and {@code workers}, starting at {@code workers}) instead of staying fixed
 * @param threads the default worker pool's threads: platform, or virtual (Java 21+; the pool's
 *     limits stay)
 * @param redisTimeout the response cache's deadline for each Redis call (see {@link
 *     CacheOptions#redisTimeout()}); not on the command line, which sets no other cache option
 * @param transport the network transport of the shop's Vert.x: io_uring when available (auto),
 *     or one named (see {@link NetTransport})
 */
public record ShopConfig(String host, int port, int workers, int workerQueue, Duration queueTimeout,
    int eventLoops, Duration drainGrace, String db, int dbPoolSize, String redis, Role role,
    Integer taskConcurrency, Integer taskQueue, boolean accessLog, Duration drainDelay,
    Duration warmUp, boolean ops, String opsToken, boolean adaptive, ThreadKind threads,
    Duration redisTimeout, NetTransport transport) {

  /** Settings with the cache's default Redis deadline, on the transport {@link NetTransport#AUTO} picks. */
  public ShopConfig(String host, int port, int workers, int workerQueue, Duration queueTimeout,
      int eventLoops, Duration drainGrace, String db, int dbPoolSize, String redis, Role role,
      Integer taskConcurrency, Integer taskQueue, boolean accessLog, Duration drainDelay,
      Duration warmUp, boolean ops, String opsToken, boolean adaptive, ThreadKind threads) {
    this(host, port, workers, workerQueue, queueTimeout, eventLoops, drainGrace, db, dbPoolSize,
        redis, role, taskConcurrency, taskQueue, accessLog, drainDelay, warmUp, ops, opsToken,
        adaptive, threads, CacheOptions.DEFAULT_REDIS_TIMEOUT, NetTransport.AUTO);
  }

  /** Settings with the default worker pool on platform threads. */
  public ShopConfig(String host, int port, int workers, int workerQueue, Duration queueTimeout,
      int eventLoops, Duration drainGrace, String db, int dbPoolSize, String redis, Role role,
      Integer taskConcurrency, Integer taskQueue, boolean accessLog, Duration drainDelay,
      Duration warmUp, boolean ops, String opsToken, boolean adaptive) {
    this(host, port, workers, workerQueue, queueTimeout, eventLoops, drainGrace, db, dbPoolSize,
        redis, role, taskConcurrency, taskQueue, accessLog, drainDelay, warmUp, ops, opsToken,
        adaptive, ThreadKind.PLATFORM);
  }

  /** Settings with a fixed worker pool limit. */
  public ShopConfig(String host, int port, int workers, int workerQueue, Duration queueTimeout,
      int eventLoops, Duration drainGrace, String db, int dbPoolSize, String redis, Role role,
      Integer taskConcurrency, Integer taskQueue, boolean accessLog, Duration drainDelay,
      Duration warmUp, boolean ops, String opsToken) {
    this(host, port, workers, workerQueue, queueTimeout, eventLoops, drainGrace, db, dbPoolSize,
        redis, role, taskConcurrency, taskQueue, accessLog, drainDelay, warmUp, ops, opsToken,
        false);
  }

  /** Settings without the ops page. */
  public ShopConfig(String host, int port, int workers, int workerQueue, Duration queueTimeout,
      int eventLoops, Duration drainGrace, String db, int dbPoolSize, String redis, Role role,
      Integer taskConcurrency, Integer taskQueue, boolean accessLog, Duration drainDelay,
      Duration warmUp) {
    this(host, port, workers, workerQueue, queueTimeout, eventLoops, drainGrace, db, dbPoolSize,
        redis, role, taskConcurrency, taskQueue, accessLog, drainDelay, warmUp, false, null);
  }

  /** Settings with the access log, without drain delay and warm-up. */
  public ShopConfig(String host, int port, int workers, int workerQueue, Duration queueTimeout,
      int eventLoops, Duration drainGrace, String db, int dbPoolSize, String redis, Role role,
      Integer taskConcurrency, Integer taskQueue, boolean accessLog) {
    this(host, port, workers, workerQueue, queueTimeout, eventLoops, drainGrace, db, dbPoolSize,
        redis, role, taskConcurrency, taskQueue, accessLog, Duration.ZERO, Duration.ZERO);
  }

  /** Settings without the access log. */
  public ShopConfig(String host, int port, int workers, int workerQueue, Duration queueTimeout,
      int eventLoops, Duration drainGrace, String db, int dbPoolSize, String redis, Role role,
      Integer taskConcurrency, Integer taskQueue) {
    this(host, port, workers, workerQueue, queueTimeout, eventLoops, drainGrace, db, dbPoolSize,
        redis, role, taskConcurrency, taskQueue, false);
  }

  /**
   * What the warm-up requests, in turn: every read-only route of the contract, the first
   * products cached (the ids a load test and a home page ask for first), a small export and one
   * event. Built only for a shop that warms up: as a constant it cost every start some 10 ms of
   * its main thread (its string concatenations are the first the JVM links).
   */
  private static String[] warmUpPaths() {
    java.util.List<String> paths = new java.util.ArrayList<>();
    for (int id = 1; id <= 100; id++) {
      paths.add("/hello");
      paths.add("/products/" + id);
      paths.add("/products/" + id + "/cached");
      if (id % 10 == 0) {
        paths.add("/users?limit=10");
        paths.add("/expensive");
        paths.add("/");
        paths.add("/assets/app.js");
        paths.add("/assets/site.css");
        paths.add("/export?rows=50&format=" + (id % 20 == 0 ? "csv" : "ndjson"));
        paths.add("/blocking?ms=0");
      }
    }
    return paths.toArray(new String[0]);
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

  /**
   * The embedded default database: H2 in memory, kept while the process runs. In H2's in-memory
   * file system rather than {@code jdbc:h2:mem:}, so that a start copies in the seed image made at
   * build time instead of generating the rows ({@link ShopSchema#installSeedImage}).
   */
  public static final String DEFAULT_DB = "jdbc:h2:memFS:shop;DB_CLOSE_DELAY=-1";

  /** The defaults: port 8080, the library's default pool sizing, one event loop per core. */
  public static ShopConfig defaults() {
    int workers = PoolSizing.defaultConcurrency();
    return new ShopConfig("127.0.0.1", 8080, workers, WorkerPool.DEFAULT_QUEUE_FACTOR * workers,
        WorkerPool.DEFAULT_QUEUE_TIMEOUT, ServerOptions.DEFAULT_EVENT_LOOPS,
        ServerOptions.DEFAULT_DRAIN_GRACE, DEFAULT_DB, DbOptions.DEFAULT_MAXIMUM_POOL_SIZE, null, Role.ALL);
  }

  /** Warm-up requests at a time: more than the database pool and the worker pool's threads start. */
  static final int WARM_UP_CONCURRENCY = 16;

  /** The same settings on another port. */
  public ShopConfig withPort(int newPort) {
    return new ShopConfig(host, newPort, workers, workerQueue, queueTimeout, eventLoops, drainGrace,
        db, dbPoolSize, redis, role, taskConcurrency, taskQueue, accessLog, drainDelay, warmUp, ops,
        opsToken, adaptive, threads, redisTimeout, transport);
  }

  /** The same settings with the access log on or off. */
  public ShopConfig withAccessLog(boolean on) {
    return new ShopConfig(host, port, workers, workerQueue, queueTimeout, eventLoops, drainGrace,
        db, dbPoolSize, redis, role, taskConcurrency, taskQueue, on, drainDelay, warmUp, ops,
        opsToken, adaptive, threads, redisTimeout, transport);
  }

  /** The same settings with the default worker pool's limit adaptive or fixed. */
  public ShopConfig withAdaptive(boolean on) {
    return new ShopConfig(host, port, workers, workerQueue, queueTimeout, eventLoops, drainGrace,
        db, dbPoolSize, redis, role, taskConcurrency, taskQueue, accessLog, drainDelay, warmUp, ops,
        opsToken, on, threads, redisTimeout, transport);
  }

  /** The same settings with the default worker pool on {@code kind} threads. */
  public ShopConfig withThreads(ThreadKind kind) {
    return new ShopConfig(host, port, workers, workerQueue, queueTimeout, eventLoops, drainGrace,
        db, dbPoolSize, redis, role, taskConcurrency, taskQueue, accessLog, drainDelay, warmUp, ops,
        opsToken, adaptive, java.util.Objects.requireNonNull(kind, "threads"), redisTimeout, transport);
  }

  /**
   * The same settings with another deadline for the cache's Redis calls; tests on a loaded
   * machine give Redis longer than the default 50 ms, so that one slow answer is not a second
   * computation.
   */
  public ShopConfig withRedisTimeout(Duration timeout) {
    return new ShopConfig(host, port, workers, workerQueue, queueTimeout, eventLoops, drainGrace,
        db, dbPoolSize, redis, role, taskConcurrency, taskQueue, accessLog, drainDelay, warmUp, ops,
        opsToken, adaptive, threads, java.util.Objects.requireNonNull(timeout, "redisTimeout"),
        transport);
  }

  /** The same settings on another network transport. */
  public ShopConfig withTransport(NetTransport kind) {
    return new ShopConfig(host, port, workers, workerQueue, queueTimeout, eventLoops, drainGrace,
        db, dbPoolSize, redis, role, taskConcurrency, taskQueue, accessLog, drainDelay, warmUp, ops,
        opsToken, adaptive, threads, redisTimeout, java.util.Objects.requireNonNull(kind, "transport"));
  }

  /**
   * The same settings with the ops page on or off.
   *
   * @param token the bearer token {@code /ops/api} requires, or null for loopback clients only
   * @throws IllegalArgumentException when the token is not {@link OpsAccess#checkToken valid}
   * @throws IllegalStateException when a token is given with the page off
   */
  public ShopConfig withOps(boolean on, String token) {
    if (token != null) {
      OpsAccess.checkToken(token);
      if (!on) {
        throw new IllegalStateException("an ops token needs the ops page on");
      }
    }
    return new ShopConfig(host, port, workers, workerQueue, queueTimeout, eventLoops, drainGrace,
        db, dbPoolSize, redis, role, taskConcurrency, taskQueue, accessLog, drainDelay, warmUp, on,
        token, adaptive, threads, redisTimeout, transport);
  }

  /** The token hidden: a record's {@code toString} must not print a secret into a log. */
  @Override
  public String toString() {
    return "ShopConfig[host=" + host + ", port=" + port + ", workers=" + workers + ", workerQueue="
        + workerQueue + ", queueTimeout=" + queueTimeout + ", eventLoops=" + eventLoops
        + ", drainGrace=" + drainGrace + ", db=" + dev.bulwark.db.DbOptions.maskUrl(db)
        + ", dbPoolSize=" + dbPoolSize + ", redis=" + (redis == null ? null
        : dev.bulwark.db.DbOptions.maskUrl(redis)) + ", role=" + role + ", taskConcurrency="
        + taskConcurrency + ", taskQueue=" + taskQueue + ", accessLog=" + accessLog
        + ", drainDelay=" + drainDelay + ", warmUp=" + warmUp + ", ops=" + ops
        + ", opsToken=" + (opsToken == null ? null : "***") + ", adaptive=" + adaptive
        + ", threads=" + threads + ", redisTimeout=" + redisTimeout + ", transport=" + transport + "]";
  }

  /** The server options these settings mean. */
  ServerOptions serverOptions() {
    return ServerOptions.builder()
        .host(host)
        .port(port)
        .eventLoops(eventLoops)
        .drainGrace(drainGrace)
        .drainDelay(drainDelay)
        .warmUp(warmUp.isZero() || !role.servesShop() ? null : dev.bulwark.web.WarmUp.builder()
            .paths(warmUpPaths())
            .maxDuration(warmUp)
            .maxRequests(Integer.MAX_VALUE)
            .concurrency(WARM_UP_CONCURRENCY)
            .build())
        .workerPool(WorkerPool.DEFAULT_NAME, b -> b.maxConcurrency(workers).maxQueue(workerQueue)
            .queueTimeout(queueTimeout)
            .threadKind(threads)
            .adaptiveLimit(adaptive ? AdaptiveLimit.gradient(1, workers) : null))
        .cache(CacheOptions.builder().redisTimeout(redisTimeout)
            .redis(redis == null ? null : RedisEndpoint.parse("--redis", redis)).build())
        .build();
  }

  /** The task queue options these settings mean, its meters in {@code registry}. */
  TaskQueueOptions taskOptions(MeterRegistry registry) {
    TaskQueueOptions.Builder b = TaskQueueOptions.builder()
        .name("shop")
        .runWorkers(role.runsTasks())
        .meterRegistry(registry);
    if (redis != null) {
      b.redis(RedisEndpoint.parse("--redis", redis));
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
