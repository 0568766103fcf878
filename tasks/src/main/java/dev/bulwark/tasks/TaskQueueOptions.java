package dev.bulwark.tasks;

import dev.bulwark.core.PoolSizing;
import dev.bulwark.core.RedisEndpoint;
import dev.bulwark.core.Ticker;
import dev.bulwark.core.internal.OptionChecks;
import io.micrometer.core.instrument.MeterRegistry;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Configuration of a {@link TaskQueue}. Immutable and thread-safe once built; the builder is not
 * thread-safe and validates each value when it is set.
 */
public final class TaskQueueOptions {

  /** Default {@code name}: {@code "default"}. */
  public static final String DEFAULT_NAME = "default";
  /** Default {@code runWorkers}: true, this instance runs tasks as well as submitting them. */
  public static final boolean DEFAULT_RUN_WORKERS = true;
  /** Default {@code concurrency}: {@link PoolSizing#defaultConcurrency()}, ten per core. */
  public static final int DEFAULT_CONCURRENCY = PoolSizing.defaultConcurrency();
  /** Default {@code maxQueued}: 100,000 tasks waiting (queued or delayed) per queue. */
  public static final long DEFAULT_MAX_QUEUED = 100_000;
  /**
   * Default {@code visibilityTimeout}: 30 seconds. A task whose worker stopped renewing its claim
   * for that long is given to another worker; a live worker renews every third of it.
   */
  public static final Duration DEFAULT_VISIBILITY_TIMEOUT = Duration.ofSeconds(30);
  /** Default {@code maxAttempts}: 5 attempts, then the dead-letter list. */
  public static final int DEFAULT_MAX_ATTEMPTS = 5;
  /** Default {@code backoffBase}: 1 second, the cap of the first retry's delay (full jitter). */
  public static final Duration DEFAULT_BACKOFF_BASE = Duration.ofSeconds(1);
  /** Default {@code backoffMax}: 5 minutes, the largest cap of a retry's delay. */
  public static final Duration DEFAULT_BACKOFF_MAX = Duration.ofMinutes(5);
  /** Default {@code timeLimit}: zero, attempts have no time limit. */
  public static final Duration DEFAULT_TIME_LIMIT = Duration.ZERO;
  /** Default {@code resultTtl}: 1 day; status, result and idempotency key expire after it. */
  public static final Duration DEFAULT_RESULT_TTL = Duration.ofDays(1);
  /** Default {@code deadLetterTtl}: 7 days in the dead-letter list. */
  public static final Duration DEFAULT_DEAD_LETTER_TTL = Duration.ofDays(7);
  /** Default {@code pollInterval}: 100 milliseconds between polls of an idle queue. */
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofMillis(100);
  /** Default {@code shutdownGrace}: 30 seconds for running tasks when the queue closes. */
  public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(30);
  /** Default {@code redisTimeout}: 3 seconds per Redis command. */
  public static final Duration DEFAULT_REDIS_TIMEOUT = Duration.ofSeconds(3);

  private static final AtomicInteger CONSUMERS = new AtomicInteger();

  private final String name;
  private final String redis;
  private final List<String> redisNodes;
  private final String sentinelMaster;
  private final boolean runWorkers;
  private final int concurrency;
  private final long maxQueued;
  private final Duration visibilityTimeout;
  private final int maxAttempts;
  private final Duration backoffBase;
  private final Duration backoffMax;
  private final Duration timeLimit;
  private final Duration resultTtl;
  private final Duration deadLetterTtl;
  private final Duration pollInterval;
  private final Duration shutdownGrace;
  private final Duration redisTimeout;
  private final String consumerName;
  private final MeterRegistry meterRegistry;
  private final Ticker ticker;

  private TaskQueueOptions(Builder b) {
    this.name = b.name;
    this.redis = b.redis;
    this.redisNodes = b.redisNodes;
    this.sentinelMaster = b.sentinelMaster;
    this.runWorkers = b.runWorkers;
    this.concurrency = b.concurrency;
    this.maxQueued = b.maxQueued;
    this.visibilityTimeout = b.visibilityTimeout;
    this.maxAttempts = b.maxAttempts;
    this.backoffBase = b.backoffBase;
    this.backoffMax = b.backoffMax;
    this.timeLimit = b.timeLimit;
    this.resultTtl = b.resultTtl;
    this.deadLetterTtl = b.deadLetterTtl;
    this.pollInterval = b.pollInterval;
    this.shutdownGrace = b.shutdownGrace;
    this.redisTimeout = b.redisTimeout;
    this.consumerName = b.consumerName != null ? b.consumerName : defaultConsumerName();
    this.meterRegistry = b.meterRegistry;
    this.ticker = b.ticker;
  }

  /** Starts a builder with the documented defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** The queue's name, used in Redis keys, the worker pool's name and metric tags. */
  public String name() {
    return name;
  }

  /** The Redis URL of a single server, or null. */
  public String redis() {
    return redis;
  }

  /** The Redis Cluster or Sentinel node URLs, or an empty list. */
  public List<String> redisNodes() {
    return redisNodes;
  }

  /** The Sentinel master's name when {@link #redisNodes()} are sentinels, else null. */
  public String sentinelMaster() {
    return sentinelMaster;
  }

  /** Where Redis is, as one value ({@code null} for the in-process queue). */
  public RedisEndpoint redisEndpoint() {
    if (redis != null) {
      return RedisEndpoint.single(redis);
    }
    if (redisNodes.isEmpty()) {
      return null;
    }
    return sentinelMaster != null ? RedisEndpoint.sentinel(sentinelMaster, redisNodes)
        : RedisEndpoint.cluster(redisNodes);
  }

  /** Whether a Redis backend is configured (a single server, a Cluster or Sentinels). */
  public boolean usesRedis() {
    return redis != null || !redisNodes.isEmpty();
  }

  /** Whether this instance runs tasks. */
  public boolean runWorkers() {
    return runWorkers;
  }

  /** Tasks this instance runs at once. */
  public int concurrency() {
    return concurrency;
  }

  /** Waiting tasks (queued, delayed, retry-waiting) before submits fail. */
  public long maxQueued() {
    return maxQueued;
  }

  /** How long an unrenewed claim lasts before another worker takes the task. */
  public Duration visibilityTimeout() {
    return visibilityTimeout;
  }

  /** Attempts before the dead-letter list, unless a submit says otherwise. */
  public int maxAttempts() {
    return maxAttempts;
  }

  /** Cap of the first retry's random delay. */
  public Duration backoffBase() {
    return backoffBase;
  }

  /** Largest cap of a retry's random delay. */
  public Duration backoffMax() {
    return backoffMax;
  }

  /** The default time limit of an attempt; zero means none. */
  public Duration timeLimit() {
    return timeLimit;
  }

  /** How long status, result and idempotency key outlive a task's end. */
  public Duration resultTtl() {
    return resultTtl;
  }

  /** How long a dead task stays in the dead-letter list. */
  public Duration deadLetterTtl() {
    return deadLetterTtl;
  }

  /** Pause between polls of an idle queue. */
  public Duration pollInterval() {
    return pollInterval;
  }

  /** What {@link TaskQueue#close()} gives running tasks. */
  public Duration shutdownGrace() {
    return shutdownGrace;
  }

  /** Deadline of each Redis command. */
  public Duration redisTimeout() {
    return redisTimeout;
  }

  /** This instance's consumer name in the Redis consumer group. */
  public String consumerName() {
    return consumerName;
  }

  /** The registry for the queue's meters, or null for none. */
  public MeterRegistry meterRegistry() {
    return meterRegistry;
  }

  /** The time source of timestamps, delays, backoff and expiry. */
  public Ticker ticker() {
    return ticker;
  }

  private static String defaultConsumerName() {
    // "pid@host" from the runtime bean; unique per process and per queue instance.
    return ManagementFactory.getRuntimeMXBean().getName() + "-" + CONSUMERS.incrementAndGet();
  }

  /** Builder for {@link TaskQueueOptions}. Not thread-safe. */
  public static final class Builder {
    private String name = DEFAULT_NAME;
    private String redis;
    private List<String> redisNodes = List.of();
    private String sentinelMaster;
    private boolean runWorkers = DEFAULT_RUN_WORKERS;
    private int concurrency = DEFAULT_CONCURRENCY;
    private long maxQueued = DEFAULT_MAX_QUEUED;
    private Duration visibilityTimeout = DEFAULT_VISIBILITY_TIMEOUT;
    private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
    private Duration backoffBase = DEFAULT_BACKOFF_BASE;
    private Duration backoffMax = DEFAULT_BACKOFF_MAX;
    private Duration timeLimit = DEFAULT_TIME_LIMIT;
    private Duration resultTtl = DEFAULT_RESULT_TTL;
    private Duration deadLetterTtl = DEFAULT_DEAD_LETTER_TTL;
    private Duration pollInterval = DEFAULT_POLL_INTERVAL;
    private Duration shutdownGrace = DEFAULT_SHUTDOWN_GRACE;
    private Duration redisTimeout = DEFAULT_REDIS_TIMEOUT;
    private String consumerName;
    private MeterRegistry meterRegistry;
    private Ticker ticker = Ticker.system();

    private Builder() {
    }

    /** The queue's name (default {@code "default"}): 1-64 letters, digits, {@code - _ .}. */
    public Builder name(String name) {
      this.name = OptionChecks.name("name", name);
      return this;
    }

    /** One Redis server, e.g. {@code redis://127.0.0.1:6379} (default null: in-process queue). */
    public Builder redis(String uri) {
      if (uri != null) {
        checkUri("redis", uri);
        if (!redisNodes.isEmpty()) {
          throw new IllegalStateException("redis and redisNodes exclude each other; redisNodes is "
              + redisNodes);
        }
      }
      this.redis = uri;
      return this;
    }

    /**
     * Where Redis is, as the cache takes it too: one server, a Cluster or Sentinels (default
     * null: in-process queue).
     */
    public Builder redis(RedisEndpoint endpoint) {
      if (endpoint == null) {
        this.redis = null;
        this.redisNodes = List.of();
        this.sentinelMaster = null;
        return this;
      }
      switch (endpoint.kind()) {
        case SINGLE:
          return redis(endpoint.nodes().get(0));
        case CLUSTER:
          return redisNodes(endpoint.nodes());
        default:
          return redisSentinel(endpoint.master(), endpoint.nodes());
      }
    }

    /** The seed nodes of a Redis Cluster (Redisson discovers the rest). */
    public Builder redisNodes(List<String> nodes) {
      return nodes(null, nodes);
    }

    /** Redis Sentinels watching the master named {@code masterName}. */
    public Builder redisSentinel(String masterName, List<String> sentinels) {
      if (masterName == null || masterName.isBlank()) {
        throw new IllegalArgumentException("masterName must not be blank, but was '" + masterName + "'");
      }
      return nodes(masterName, sentinels);
    }

    private Builder nodes(String master, List<String> nodes) {
      if (nodes == null || nodes.isEmpty()) {
        throw new IllegalArgumentException("redisNodes must list at least one node, but was " + nodes);
      }
      for (String n : nodes) {
        checkUri("redisNodes", n);
      }
      if (redis != null) {
        throw new IllegalStateException("redis and redisNodes exclude each other; redis is " + redis);
      }
      this.redisNodes = List.copyOf(nodes);
      this.sentinelMaster = master;
      return this;
    }

    /** Whether this instance runs tasks (default true); false for a submit-only web role. */
    public Builder runWorkers(boolean runWorkers) {
      this.runWorkers = runWorkers;
      return this;
    }

    /** Tasks this instance runs at once (default ten per core); the queue's own worker pool. */
    public Builder concurrency(int concurrency) {
      if (concurrency < 1) {
        throw new IllegalArgumentException("concurrency must be >= 1, but was " + concurrency);
      }
      this.concurrency = concurrency;
      return this;
    }

    /** Tasks that may wait (queued or delayed) before submits fail with QueueFullException (default 100,000). */
    public Builder maxQueued(long maxQueued) {
      if (maxQueued < 1) {
        throw new IllegalArgumentException("maxQueued must be >= 1, but was " + maxQueued);
      }
      this.maxQueued = maxQueued;
      return this;
    }

    /**
     * How long a claim lives unrenewed before another worker takes the task over (default 30 s).
     * Whole milliseconds, as every duration of these options: they become Redis {@code PX}
     * values and millisecond timers, so a finer value could not be honoured.
     */
    public Builder visibilityTimeout(Duration visibilityTimeout) {
      this.visibilityTimeout = OptionChecks.wholeMillis("visibilityTimeout", visibilityTimeout);
      return this;
    }

    /** Attempts before a task goes to the dead-letter list (default 5). */
    public Builder maxAttempts(int maxAttempts) {
      if (maxAttempts < 1) {
        throw new IllegalArgumentException("maxAttempts must be >= 1, but was " + maxAttempts);
      }
      this.maxAttempts = maxAttempts;
      return this;
    }

    /** Cap of the first retry's random delay; doubles per attempt up to backoffMax (default 1 s). */
    public Builder backoffBase(Duration backoffBase) {
      this.backoffBase = OptionChecks.wholeMillis("backoffBase", backoffBase);
      return this;
    }

    /** Largest cap of a retry's random delay (default 5 min). */
    public Builder backoffMax(Duration backoffMax) {
      this.backoffMax = OptionChecks.wholeMillis("backoffMax", backoffMax);
      return this;
    }

    /** Default time limit of an attempt (default zero: none). */
    public Builder timeLimit(Duration timeLimit) {
      this.timeLimit = OptionChecks.zeroOrWholeMillis("timeLimit", timeLimit);
      return this;
    }

    /** How long status, result and idempotency key are kept after a task ends (default 1 day). */
    public Builder resultTtl(Duration resultTtl) {
      this.resultTtl = OptionChecks.wholeMillis("resultTtl", resultTtl);
      return this;
    }

    /** How long a dead task stays in the dead-letter list (default 7 days). */
    public Builder deadLetterTtl(Duration deadLetterTtl) {
      this.deadLetterTtl = OptionChecks.wholeMillis("deadLetterTtl", deadLetterTtl);
      return this;
    }

    /** Pause between polls while the queue is idle, also the delay check's period (default 100 ms). */
    public Builder pollInterval(Duration pollInterval) {
      this.pollInterval = OptionChecks.wholeMillis("pollInterval", pollInterval);
      return this;
    }

    /** How long {@link TaskQueue#close()} lets running tasks finish (default 30 s). */
    public Builder shutdownGrace(Duration shutdownGrace) {
      this.shutdownGrace = OptionChecks.zeroOrWholeMillis("shutdownGrace", shutdownGrace);
      return this;
    }

    /** Deadline of each Redis command (default 3 s). */
    public Builder redisTimeout(Duration redisTimeout) {
      this.redisTimeout = OptionChecks.wholeMillis("redisTimeout", redisTimeout);
      return this;
    }

    /**
     * This instance's name in the consumer group (default {@code pid@host-N}). A stable name lets
     * a restarted worker replay the tasks it held when it stopped at once, instead of after the
     * visibility timeout. Two live instances must never share a name.
     */
    public Builder consumerName(String consumerName) {
      if (consumerName == null || !consumerName.matches("[A-Za-z0-9_.@:-]{1,100}")) {
        throw new IllegalArgumentException("consumerName must be 1-100 letters, digits or '_.@:-',"
            + " but was '" + consumerName + "'");
      }
      this.consumerName = consumerName;
      return this;
    }

    /** Registry for the queue's meters (default none). */
    public Builder meterRegistry(MeterRegistry meterRegistry) {
      this.meterRegistry = meterRegistry;
      return this;
    }

    /** Time source of timestamps, delays, backoff and expiry (default {@link Ticker#system()}). */
    public Builder ticker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /**
     * Builds the options.
     *
     * @throws IllegalStateException if {@code backoffBase > backoffMax}
     */
    public TaskQueueOptions build() {
      if (backoffBase.compareTo(backoffMax) > 0) {
        throw new IllegalStateException("backoffBase must be <= backoffMax (" + backoffMax
            + "), but was " + backoffBase);
      }
      return new TaskQueueOptions(this);
    }


    private static void checkUri(String option, String uri) {
      if (uri == null || !(uri.startsWith("redis://") || uri.startsWith("rediss://"))) {
        throw new IllegalArgumentException(
            option + " must start with redis:// or rediss://, but was '" + uri + "'");
      }
    }
  }
}
