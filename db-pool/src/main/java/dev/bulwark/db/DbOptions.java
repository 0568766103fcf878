package dev.bulwark.db;

import dev.bulwark.core.internal.OptionChecks;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Immutable options of a {@link Db}. Build with {@link #builder(String)}; every setter validates
 * its value at once and names the option, the rule and the value. The password never appears in
 * {@link #toString()} or in any error message: URLs are shown with their {@code password}
 * parameter masked. Thread-safe once built.
 */
public final class DbOptions {

  /** Default {@code poolName}: {@code db}. */
  public static final String DEFAULT_POOL_NAME = "db";
  /** Effective spindles assumed by the default pool size: 1 (an SSD or a cached working set). */
  public static final int DEFAULT_EFFECTIVE_SPINDLES = 1;
  /**
   * Default {@code maximumPoolSize}: HikariCP's formula {@code cores x 2 + effective spindles}
   * (5 on two cores). More connections than that only make the database switch between them.
   */
  public static final int DEFAULT_MAXIMUM_POOL_SIZE =
      Runtime.getRuntime().availableProcessors() * 2 + DEFAULT_EFFECTIVE_SPINDLES;
  /** Default {@code maxWaiters}: 64 callers queued for a connection. */
  public static final int DEFAULT_MAX_WAITERS = 64;
  /** Default {@code waitTimeout}: 1 s for a caller to get a connection before it fails busy. */
  public static final Duration DEFAULT_WAIT_TIMEOUT = Duration.ofSeconds(1);
  /** Default {@code connectionTimeout}: 1 s for HikariCP to hand out or open a connection. */
  public static final Duration DEFAULT_CONNECTION_TIMEOUT = Duration.ofSeconds(1);
  /**
   * Default {@code statementTimeout}: 30 s per statement ({@code Statement.setQueryTimeout}, whole
   * seconds; zero for none).
   */
  public static final Duration DEFAULT_STATEMENT_TIMEOUT = Duration.ofSeconds(30);
  /** HikariCP's {@code maxLifetime}, left at its default: 30 minutes. */
  private static final Duration HIKARI_MAX_LIFETIME = Duration.ofMinutes(30);
  private static final Pattern PASSWORD_PARAM = Pattern.compile("(?i)(password|pwd)=([^&;]*)");
  private static final Pattern USERINFO = Pattern.compile("(//[^/:@]+:)([^@/]*)(@)");
  /** Default {@code leakDetectionThreshold}: zero, off. */
  public static final Duration DEFAULT_LEAK_DETECTION = Duration.ZERO;
  /** Default {@code slowQueryThreshold}: 500 ms; slower statements are logged at WARN. */
  public static final Duration DEFAULT_SLOW_QUERY = Duration.ofMillis(500);
  /** Default {@code downProbeInterval}: 250 ms between connection attempts while the database is down. */
  public static final Duration DEFAULT_DOWN_PROBE_INTERVAL = Duration.ofMillis(250);

  private final String jdbcUrl;
  private final String username;
  private final String password;
  private final String poolName;
  private final int maximumPoolSize;
  private final int maxWaiters;
  private final Duration waitTimeout;
  private final Duration connectionTimeout;
  private final Duration statementTimeout;
  private final Duration leakDetectionThreshold;
  private final Duration slowQueryThreshold;
  private final Duration downProbeInterval;
  private final Map<String, String> dataSourceProperties;
  private final MeterRegistry meterRegistry;
  private final boolean eventLoopReads;

  private DbOptions(Builder b) {
    this.jdbcUrl = b.jdbcUrl;
    this.username = b.username;
    this.password = b.password;
    this.poolName = b.poolName;
    this.maximumPoolSize = b.maximumPoolSize;
    this.maxWaiters = b.maxWaiters;
    this.waitTimeout = b.waitTimeout;
    this.connectionTimeout = b.connectionTimeout;
    this.statementTimeout = b.statementTimeout;
    this.leakDetectionThreshold = b.leakDetectionThreshold;
    this.slowQueryThreshold = b.slowQueryThreshold;
    this.downProbeInterval = b.downProbeInterval;
    this.dataSourceProperties = Collections.unmodifiableMap(new LinkedHashMap<>(b.dataSourceProperties));
    this.meterRegistry = b.meterRegistry;
    this.eventLoopReads = b.eventLoopReads;
  }

  /** A builder for the database at {@code jdbcUrl} (e.g. {@code jdbc:h2:mem:shop}). */
  public static Builder builder(String jdbcUrl) {
    return new Builder(jdbcUrl);
  }

  public String jdbcUrl() {
    return jdbcUrl;
  }

  public String username() {
    return username;
  }

  /** The password; never logged. */
  public String password() {
    return password;
  }

  public String poolName() {
    return poolName;
  }

  public int maximumPoolSize() {
    return maximumPoolSize;
  }

  public int maxWaiters() {
    return maxWaiters;
  }

  public Duration waitTimeout() {
    return waitTimeout;
  }

  public Duration connectionTimeout() {
    return connectionTimeout;
  }

  public Duration statementTimeout() {
    return statementTimeout;
  }

  public Duration leakDetectionThreshold() {
    return leakDetectionThreshold;
  }

  public Duration slowQueryThreshold() {
    return slowQueryThreshold;
  }

  public Duration downProbeInterval() {
    return downProbeInterval;
  }

  public Map<String, String> dataSourceProperties() {
    return dataSourceProperties;
  }

  public MeterRegistry meterRegistry() {
    return meterRegistry;
  }

  /**
   * Whether {@code query} and {@code queryOne} called on an event loop may run on Vert.x's
   * PostgreSQL client on that loop instead of the JDBC bridge (see {@link Builder#eventLoopReads}).
   */
  public boolean eventLoopReads() {
    return eventLoopReads;
  }

  /** Whether the URL names PostgreSQL. */
  public boolean isPostgres() {
    return jdbcUrl.startsWith("jdbc:postgresql:");
  }

  /** The URL with any password parameter masked, safe to log. */
  public String maskedUrl() {
    return maskUrl(jdbcUrl);
  }

  /**
   * {@code url} with its credentials masked, safe to log: a {@code password} or {@code pwd}
   * parameter ({@code jdbc:postgresql://h/db?user=u&password=secret} to {@code ...password=****})
   * and the password of a {@code //user:password@host} part. Null stays null.
   */
  public static String maskUrl(String url) {
    if (url == null) {
      return null;
    }
    String masked = PASSWORD_PARAM.matcher(url).replaceAll("$1=****");
    return USERINFO.matcher(masked).replaceAll("$1****$3");
  }

  @Override
  public String toString() {
    return "DbOptions{url=" + maskedUrl() + ", username=" + username + ", password="
        + (password == null ? "none" : "****") + ", poolName=" + poolName + ", maximumPoolSize="
        + maximumPoolSize + ", maxWaiters=" + maxWaiters + ", waitTimeout=" + waitTimeout
        + ", connectionTimeout=" + connectionTimeout + ", statementTimeout=" + statementTimeout
        + "}";
  }

  /** Builder of {@link DbOptions}. Not thread-safe. */
  public static final class Builder {
    private final String jdbcUrl;
    private String username;
    private String password;
    private String poolName = DEFAULT_POOL_NAME;
    private int maximumPoolSize = DEFAULT_MAXIMUM_POOL_SIZE;
    private int maxWaiters = DEFAULT_MAX_WAITERS;
    private Duration waitTimeout = DEFAULT_WAIT_TIMEOUT;
    private Duration connectionTimeout = DEFAULT_CONNECTION_TIMEOUT;
    private Duration statementTimeout = DEFAULT_STATEMENT_TIMEOUT;
    private Duration leakDetectionThreshold = DEFAULT_LEAK_DETECTION;
    private Duration slowQueryThreshold = DEFAULT_SLOW_QUERY;
    private Duration downProbeInterval = DEFAULT_DOWN_PROBE_INTERVAL;
    private final Map<String, String> dataSourceProperties = new LinkedHashMap<>();
    private MeterRegistry meterRegistry;
    private boolean eventLoopReads = true;

    private Builder(String jdbcUrl) {
      if (jdbcUrl == null || !jdbcUrl.startsWith("jdbc:") || jdbcUrl.length() < 8) {
        throw new IllegalArgumentException("jdbcUrl must start with 'jdbc:', but was '"
            + (jdbcUrl == null ? null : maskUrl(jdbcUrl)) + "'");
      }
      this.jdbcUrl = jdbcUrl;
    }

    public Builder username(String username) {
      this.username = username;
      return this;
    }

    public Builder password(String password) {
      this.password = password;
      return this;
    }

    /** Pool name for threads, metrics and messages: letters, digits, {@code - _ .}. */
    public Builder poolName(String poolName) {
      this.poolName = OptionChecks.name("poolName", poolName);
      return this;
    }

    /** Connections in the pool, and threads running JDBC: exactly as many. */
    public Builder maximumPoolSize(int size) {
      if (size < 1) {
        throw new IllegalArgumentException("maximumPoolSize must be >= 1, but was " + size);
      }
      this.maximumPoolSize = size;
      return this;
    }

    /** Callers that may wait for a connection; more fail busy at once. */
    public Builder maxWaiters(int maxWaiters) {
      if (maxWaiters < 0) {
        throw new IllegalArgumentException("maxWaiters must be >= 0, but was " + maxWaiters);
      }
      this.maxWaiters = maxWaiters;
      return this;
    }

    /** How long a caller may wait for a connection before it fails busy. */
    public Builder waitTimeout(Duration waitTimeout) {
      this.waitTimeout = positive("waitTimeout", waitTimeout);
      return this;
    }

    /**
     * HikariCP's connection timeout: whole milliseconds (HikariCP's unit), at least 250 ms (its
     * own minimum, below which it would quietly use 250 ms).
     */
    public Builder connectionTimeout(Duration connectionTimeout) {
      positive("connectionTimeout", connectionTimeout);
      wholeMillis("connectionTimeout", connectionTimeout);
      if (connectionTimeout.toMillis() < 250) {
        throw new IllegalArgumentException("connectionTimeout must be >= 250ms, but was " + connectionTimeout);
      }
      this.connectionTimeout = connectionTimeout;
      return this;
    }

    /**
     * Per-statement timeout ({@code Statement.setQueryTimeout}): zero for none, else a whole number
     * of seconds, JDBC's unit. A value JDBC cannot express exactly (500 ms, 1.5 s) is refused
     * rather than rounded: 500 ms would otherwise mean no timeout at all.
     */
    public Builder statementTimeout(Duration statementTimeout) {
      if (statementTimeout == null || statementTimeout.isNegative()) {
        throw new IllegalArgumentException("statementTimeout must be >= 0, but was " + statementTimeout);
      }
      if (!statementTimeout.isZero() && (statementTimeout.getNano() != 0 || statementTimeout.getSeconds() < 1)) {
        throw new IllegalArgumentException(
            "statementTimeout must be a whole number of seconds >= 1s, but was " + statementTimeout);
      }
      if (statementTimeout.getSeconds() > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("statementTimeout must be at most " + Integer.MAX_VALUE
            + " seconds (JDBC's limit), but was " + statementTimeout);
      }
      this.statementTimeout = statementTimeout;
      return this;
    }

    /**
     * Logs a connection held longer than this: zero for off, else whole milliseconds between 2 s
     * (HikariCP's minimum) and 30 min (HikariCP's {@code maxLifetime}, above which it would quietly
     * turn leak detection off).
     */
    public Builder leakDetectionThreshold(Duration threshold) {
      if (threshold == null || threshold.isNegative()
          || !threshold.isZero() && (threshold.toMillis() < 2000 || threshold.compareTo(HIKARI_MAX_LIFETIME) > 0)) {
        throw new IllegalArgumentException(
            "leakDetectionThreshold must be 0 or >= 2s and <= 30m (HikariCP's maxLifetime), but was " + threshold);
      }
      wholeMillis("leakDetectionThreshold", threshold);
      this.leakDetectionThreshold = threshold;
      return this;
    }

    /** Statements slower than this are logged at WARN (with the query name, not the values). */
    public Builder slowQueryThreshold(Duration threshold) {
      this.slowQueryThreshold = positive("slowQueryThreshold", threshold);
      return this;
    }

    /** While the database is down, how often one caller may try to connect; others fail fast. */
    public Builder downProbeInterval(Duration interval) {
      this.downProbeInterval = positive("downProbeInterval", interval);
      return this;
    }

    /** A driver property (e.g. {@code reWriteBatchedInserts}). */
    public Builder dataSourceProperty(String name, String value) {
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("dataSourceProperty name must not be empty, but was '" + name + "'");
      }
      dataSourceProperties.put(name, Objects.requireNonNull(value, "value"));
      return this;
    }

    public Builder meterRegistry(MeterRegistry meterRegistry) {
      this.meterRegistry = meterRegistry;
      return this;
    }

    /**
     * On PostgreSQL, with {@code io.vertx:vertx-pg-client} on the classpath (on by default):
     * a read ({@code query} or {@code queryOne} of a {@code SELECT}) called on an event loop
     * runs on that loop's own pipelined connections, with no JDBC thread and no thread hop, once
     * its first run through JDBC has shown that its parameters and result columns are of the
     * kinds that path reads exactly as JDBC does (numbers, booleans, character types). Everything
     * else (writes, transactions, streams, other column types, callers off an event loop, H2) runs
     * on the JDBC bridge as before. {@code false} sends every statement through JDBC.
     */
    public Builder eventLoopReads(boolean eventLoopReads) {
      this.eventLoopReads = eventLoopReads;
      return this;
    }

    public DbOptions build() {
      return new DbOptions(this);
    }

    private static void wholeMillis(String option, Duration d) {
      if (d.getNano() % 1_000_000 != 0) {
        throw new IllegalArgumentException(option + " must be a whole number of milliseconds, but was " + d);
      }
    }

    private static Duration positive(String option, Duration d) {
      if (d == null || d.isZero() || d.isNegative()) {
        throw new IllegalArgumentException(option + " must be > 0, but was " + d);
      }
      return d;
    }
  }
}
