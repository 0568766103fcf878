package dev.bulwark.cache;

import static dev.bulwark.core.internal.OptionChecks.positive;
import static dev.bulwark.core.internal.OptionChecks.wholeMillis;

import dev.bulwark.core.RedisEndpoint;
import dev.bulwark.core.Ticker;
import dev.bulwark.core.internal.OptionChecks;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Objects;

/**
 * Options of a {@link CacheManager}. Immutable and thread-safe once built; see {@link Builder}.
 */
public final class CacheOptions {

  /**
   * Default {@code name}: {@code "default"}, the {@code manager} tag of the manager's breaker
   * gauge. Stable across restarts, unlike a generated id.
   */
  public static final String DEFAULT_NAME = "default";

  /** Default {@code redisUrl}: null, every cache is local. */
  public static final String DEFAULT_REDIS_URL = null;

  /**
   * Default {@code redisTimeout}: 50 milliseconds. A cache that waits longer than that for Redis
   * is slower than many loaders; the call then falls back instead of waiting.
   */
  public static final Duration DEFAULT_REDIS_TIMEOUT = Duration.ofMillis(50);

  /** Default {@code breakerFailureThreshold}: 5 consecutive Redis failures open the breaker. */
  public static final int DEFAULT_BREAKER_FAILURE_THRESHOLD = 5;

  /** Default {@code breakerOpenDuration}: 1 second open, then one probe call decides. */
  public static final Duration DEFAULT_BREAKER_OPEN_DURATION = Duration.ofSeconds(1);

  /** Default {@code leaseTime}: 10 seconds, how long a cluster-wide single-flight lease lasts. */
  public static final Duration DEFAULT_LEASE_TIME = Duration.ofSeconds(10);

  /** Default {@code maxLeaderWait}: 2 seconds, after which a waiter computes the value itself. */
  public static final Duration DEFAULT_MAX_LEADER_WAIT = Duration.ofSeconds(2);

  /** Default {@code localMaximumSize}: 10,000 entries per cache in the local tier. */
  public static final long DEFAULT_LOCAL_MAXIMUM_SIZE = 10_000;

  /**
   * Default {@code maxValueBytes}: 1 MiB (1,048,576 bytes), the largest Redis value a read
   * accepts; a larger one is a miss. A cached HTTP response or value beyond that belongs in a
   * CDN or a store, not in every instance's memory at once.
   */
  public static final int DEFAULT_MAX_VALUE_BYTES = 1 << 20;

  /** The smallest {@code maxValueBytes}: 16 bytes, a frame header and a few payload bytes. */
  public static final int MIN_MAX_VALUE_BYTES = 16;

  /** The largest {@code maxValueBytes}: 512 MiB, Redis's own limit on a string. */
  public static final int MAX_MAX_VALUE_BYTES = 512 << 20;

  private final String name;
  private final RedisEndpoint redis;
  private final Duration redisTimeout;
  private final int breakerFailureThreshold;
  private final Duration breakerOpenDuration;
  private final Duration leaseTime;
  private final Duration maxLeaderWait;
  private final long localMaximumSize;
  private final int maxValueBytes;
  private final MeterRegistry meterRegistry;
  private final Ticker ticker;

  private CacheOptions(Builder b) {
    this.name = b.name;
    this.redis = b.redis;
    this.redisTimeout = b.redisTimeout;
    this.breakerFailureThreshold = b.breakerFailureThreshold;
    this.breakerOpenDuration = b.breakerOpenDuration;
    this.leaseTime = b.leaseTime;
    this.maxLeaderWait = b.maxLeaderWait;
    this.localMaximumSize = b.localMaximumSize;
    this.maxValueBytes = b.maxValueBytes;
    this.meterRegistry = b.meterRegistry;
    this.ticker = b.ticker;
  }

  /** Starts a builder with the documented defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding these options, to change some of them. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.name = name;
    b.redis = redis;
    b.redisTimeout = redisTimeout;
    b.breakerFailureThreshold = breakerFailureThreshold;
    b.breakerOpenDuration = breakerOpenDuration;
    b.leaseTime = leaseTime;
    b.maxLeaderWait = maxLeaderWait;
    b.localMaximumSize = localMaximumSize;
    b.maxValueBytes = maxValueBytes;
    b.meterRegistry = meterRegistry;
    b.ticker = ticker;
    return b;
  }

  /** The manager's name: the {@code manager} tag of its meters. */
  public String name() {
    return name;
  }

  /** Where Redis is (one server, a Cluster or Sentinels), or null for local caches only. */
  public RedisEndpoint redis() {
    return redis;
  }

  /** The URL of a single Redis server, or null (local caches only, or a Cluster or Sentinels). */
  public String redisUrl() {
    return redis != null && redis.kind() == RedisEndpoint.Kind.SINGLE ? redis.nodes().get(0) : null;
  }

  /** Deadline of each Redis call. */
  public Duration redisTimeout() {
    return redisTimeout;
  }

  /** Consecutive Redis failures that open the breaker. */
  public int breakerFailureThreshold() {
    return breakerFailureThreshold;
  }

  /** How long the breaker stays open before a probe. */
  public Duration breakerOpenDuration() {
    return breakerOpenDuration;
  }

  /** How long a cluster-wide single-flight lease lasts if its holder never releases it. */
  public Duration leaseTime() {
    return leaseTime;
  }

  /** How long a waiter waits for another instance's load before computing itself. */
  public Duration maxLeaderWait() {
    return maxLeaderWait;
  }

  /** Maximum entries per cache in the local tier. */
  public long localMaximumSize() {
    return localMaximumSize;
  }

  /**
   * The largest value, in bytes as stored in Redis (frame included), that a read accepts: its
   * size is checked in Redis ({@code STRLEN}, in the same round trip as the read), so a larger
   * value is a miss and never crosses the network; a value that encodes larger is not written.
   */
  public int maxValueBytes() {
    return maxValueBytes;
  }

  /** The registry for metrics, or null for none. */
  public MeterRegistry meterRegistry() {
    return meterRegistry;
  }

  /** The time source for TTLs and the breaker. */
  public Ticker ticker() {
    return ticker;
  }

  /**
   * Builder for {@link CacheOptions}. Each setter validates its value and throws
   * {@link IllegalArgumentException} naming the option, the rule and the value. Not thread-safe.
   */
  public static final class Builder {
    private String name = DEFAULT_NAME;
    private RedisEndpoint redis;
    private Duration redisTimeout = DEFAULT_REDIS_TIMEOUT;
    private int breakerFailureThreshold = DEFAULT_BREAKER_FAILURE_THRESHOLD;
    private Duration breakerOpenDuration = DEFAULT_BREAKER_OPEN_DURATION;
    private Duration leaseTime = DEFAULT_LEASE_TIME;
    private Duration maxLeaderWait = DEFAULT_MAX_LEADER_WAIT;
    private long localMaximumSize = DEFAULT_LOCAL_MAXIMUM_SIZE;
    private int maxValueBytes = DEFAULT_MAX_VALUE_BYTES;
    private MeterRegistry meterRegistry;
    private Ticker ticker = Ticker.system();

    Builder() {
    }

    /**
     * The manager's name (default {@code "default"}): 1-64 letters, digits, '-', '_' or '.'. It
     * tags the breaker gauge ({@code bulwark.cache.breaker.state{manager=<name>}}), so it stays
     * the same across restarts; two managers with Redis open on one registry at once need two
     * names ({@link CacheManager#create} refuses the second).
     */
    public Builder name(String name) {
      this.name = OptionChecks.name("name", name);
      return this;
    }

    /** Redis to use for the shared tier, e.g. {@code redis://127.0.0.1:6379} (default null: none). */
    public Builder redisUrl(String redisUrl) {
      if (redisUrl != null && !(redisUrl.startsWith("redis://") || redisUrl.startsWith("rediss://"))) {
        throw new IllegalArgumentException(
            "redisUrl must start with redis:// or rediss://, but was '" + redisUrl + "'");
      }
      this.redis = redisUrl == null ? null : RedisEndpoint.single(redisUrl);
      return this;
    }

    /**
     * Where Redis is, as the task queue takes it too: one server, a Cluster
     * ({@link RedisEndpoint#cluster}) or Sentinels ({@link RedisEndpoint#sentinel}); default null:
     * every cache is local. Cache entries are single keys and invalidations a pub/sub channel,
     * so both work on a Cluster.
     */
    public Builder redis(RedisEndpoint redis) {
      this.redis = redis;
      return this;
    }

    /** Deadline of each Redis call: whole milliseconds, at least 1 ms (default 50 ms). */
    public Builder redisTimeout(Duration redisTimeout) {
      this.redisTimeout = wholeMillis("redisTimeout", redisTimeout);
      return this;
    }

    /** Consecutive Redis failures that open the breaker (default 5). */
    public Builder breakerFailureThreshold(int threshold) {
      if (threshold < 1) {
        throw new IllegalArgumentException("breakerFailureThreshold must be >= 1, but was " + threshold);
      }
      this.breakerFailureThreshold = threshold;
      return this;
    }

    /** How long the breaker stays open before it probes Redis (default 1 s). */
    public Builder breakerOpenDuration(Duration breakerOpenDuration) {
      this.breakerOpenDuration = positive("breakerOpenDuration", breakerOpenDuration);
      return this;
    }

    /**
     * How long a cluster-wide single-flight lease lasts (default 10 s). It should exceed the
     * slowest load: a load that outlives its lease may run a second time elsewhere. Whole
     * milliseconds (Redis's {@code PX}), at least 1 ms.
     */
    public Builder leaseTime(Duration leaseTime) {
      this.leaseTime = wholeMillis("leaseTime", leaseTime);
      return this;
    }

    /** How long a waiter waits for another instance's load before computing itself (default 2 s). */
    public Builder maxLeaderWait(Duration maxLeaderWait) {
      this.maxLeaderWait = positive("maxLeaderWait", maxLeaderWait);
      return this;
    }

    /** Maximum entries per cache in the local tier (default 10,000). */
    public Builder localMaximumSize(long localMaximumSize) {
      if (localMaximumSize < 1) {
        throw new IllegalArgumentException("localMaximumSize must be >= 1, but was " + localMaximumSize);
      }
      this.localMaximumSize = localMaximumSize;
      return this;
    }

    /**
     * The largest Redis value a read accepts, in bytes (default 1 MiB, from 16 bytes to 512 MiB);
     * a larger one (another program's, or a tampered key) is a miss, counted in
     * {@code bulwark.cache.decode.errors}, and is never transferred.
     */
    public Builder maxValueBytes(int maxValueBytes) {
      if (maxValueBytes < MIN_MAX_VALUE_BYTES || maxValueBytes > MAX_MAX_VALUE_BYTES) {
        throw new IllegalArgumentException("maxValueBytes must be between " + MIN_MAX_VALUE_BYTES
            + " and " + MAX_MAX_VALUE_BYTES + ", but was " + maxValueBytes);
      }
      this.maxValueBytes = maxValueBytes;
      return this;
    }

    /** Registry for per-cache metrics (default none). */
    public Builder meterRegistry(MeterRegistry meterRegistry) {
      this.meterRegistry = meterRegistry;
      return this;
    }

    /** Time source for TTLs and the breaker (default {@link Ticker#system()}). */
    public Builder ticker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /** Builds the options. */
    public CacheOptions build() {
      return new CacheOptions(this);
    }

  }
}
