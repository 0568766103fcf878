package dev.bulwark.web;

import dev.bulwark.cache.CacheOptions;
import dev.bulwark.core.WorkerPool;
import dev.bulwark.core.internal.OptionChecks;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Immutable options of a {@link BulwarkServer}. Build with {@link #builder()}; every setter
 * validates its value at once and names the option, the rule and the value when it refuses one.
 * Thread-safe once built.
 */
public final class ServerOptions {

  /** Default {@code port}: 8080. */
  public static final int DEFAULT_PORT = 8080;
  /** Default {@code host}: {@code 0.0.0.0}, every interface. */
  public static final String DEFAULT_HOST = "0.0.0.0";
  /** Default {@code eventLoops}: the number of available processors. */
  public static final int DEFAULT_EVENT_LOOPS = Runtime.getRuntime().availableProcessors();
  /** Default {@code maxBodySize}: 1 MiB (1,048,576 bytes). */
  public static final long DEFAULT_MAX_BODY_SIZE = 1024 * 1024;
  /** Default {@code maxHeaderSize}: 8 KiB, all headers together (Netty's default). */
  public static final int DEFAULT_MAX_HEADER_SIZE = 8192;
  /** Default {@code maxInitialLineLength}: 4 KiB, the request line. */
  public static final int DEFAULT_MAX_INITIAL_LINE_LENGTH = 4096;
  /** Default {@code idleTimeout}: 60 s without a byte read or written closes a connection. */
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
  /**
   * Default {@code writeStallTimeout}: 10 s. A streamed response whose socket stays full this long
   * (the client reads nothing) is cut and its source cancelled, long before the idle timeout.
   */
  public static final Duration DEFAULT_WRITE_STALL_TIMEOUT = Duration.ofSeconds(10);
  /**
   * Default {@code headerReadTimeout}: 10 s from a request's first byte to the end of its headers.
   * A legitimate client sends its headers in one round trip; a slowloris takes minutes.
   */
  public static final Duration DEFAULT_HEADER_READ_TIMEOUT = Duration.ofSeconds(10);
  /** Default {@code maxConnections}: 10,000 open connections over all event loops. */
  public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
  /** Default {@code compression}: true, streamed responses are gzip'd when the client asks. */
  public static final boolean DEFAULT_COMPRESSION = true;
  /** Default {@code drainGrace}: 30 s for in-flight requests to finish on drain. */
  public static final Duration DEFAULT_DRAIN_GRACE = Duration.ofSeconds(30);
  /**
   * Default {@code drainDelay}: zero, no delay. A drain's first {@code drainDelay} only turns
   * {@code /ready} to 503, for balancers that poll it; requests are served meanwhile.
   */
  public static final Duration DEFAULT_DRAIN_DELAY = Duration.ZERO;

  private final int port;
  private final String host;
  private final int eventLoops;
  private final Map<String, Consumer<WorkerPool.Builder>> workerPools;
  private final long maxBodySize;
  private final int maxHeaderSize;
  private final int maxInitialLineLength;
  private final Duration idleTimeout;
  private final Duration writeStallTimeout;
  private final Duration headerReadTimeout;
  private final int maxConnections;
  private final Duration drainGrace;
  private final Duration drainDelay;
  private final WarmUp warmUp;
  private final boolean compression;
  private final CacheOptions cache;

  private ServerOptions(Builder b) {
    this.port = b.port;
    this.host = b.host;
    this.eventLoops = b.eventLoops;
    this.workerPools = Collections.unmodifiableMap(new LinkedHashMap<>(b.workerPools));
    this.maxBodySize = b.maxBodySize;
    this.maxHeaderSize = b.maxHeaderSize;
    this.maxInitialLineLength = b.maxInitialLineLength;
    this.idleTimeout = b.idleTimeout;
    this.writeStallTimeout = b.writeStallTimeout;
    this.headerReadTimeout = b.headerReadTimeout;
    this.maxConnections = b.maxConnections;
    this.drainGrace = b.drainGrace;
    this.drainDelay = b.drainDelay;
    this.warmUp = b.warmUp;
    this.compression = b.compression;
    this.cache = b.cache;
  }

  /** A builder with every option at its default. */
  public static Builder builder() {
    return new Builder();
  }

  /** The defaults. */
  public static ServerOptions defaults() {
    return builder().build();
  }

  public int port() {
    return port;
  }

  public String host() {
    return host;
  }

  public int eventLoops() {
    return eventLoops;
  }

  /**
   * The worker pools' configurations by name. Always holds {@code "default"}; each configurer is
   * applied to a builder that already carries the name and the server's meter registry.
   */
  public Map<String, Consumer<WorkerPool.Builder>> workerPools() {
    return workerPools;
  }

  public long maxBodySize() {
    return maxBodySize;
  }

  public int maxHeaderSize() {
    return maxHeaderSize;
  }

  public int maxInitialLineLength() {
    return maxInitialLineLength;
  }

  public Duration idleTimeout() {
    return idleTimeout;
  }

  /**
   * How long a streamed response may find its client's socket full without any progress before it
   * is cut (the connection reset, the source cancelled); zero means never.
   */
  public Duration writeStallTimeout() {
    return writeStallTimeout;
  }

  /**
   * How long a connection may take from the first byte of a request to the end of its headers
   * before it is answered 408 and closed; zero means no deadline.
   */
  public Duration headerReadTimeout() {
    return headerReadTimeout;
  }

  public int maxConnections() {
    return maxConnections;
  }

  public Duration drainGrace() {
    return drainGrace;
  }

  /** How long a drain only reports DRAINING on {@code /ready} before it refuses requests and closes the port. */
  public Duration drainDelay() {
    return drainDelay;
  }

  /** The warm-up run before the server listens, or {@code null} for none (the default). */
  public WarmUp warmUp() {
    return warmUp;
  }

  public boolean compression() {
    return compression;
  }

  /** The options of the server's {@code CacheManager} (for {@code @Cached} routes and services). */
  public CacheOptions cache() {
    return cache;
  }

  /** Builder of {@link ServerOptions}. Not thread-safe. */
  public static final class Builder {
    private int port = DEFAULT_PORT;
    private String host = DEFAULT_HOST;
    private int eventLoops = DEFAULT_EVENT_LOOPS;
    private final Map<String, Consumer<WorkerPool.Builder>> workerPools = new LinkedHashMap<>();
    private long maxBodySize = DEFAULT_MAX_BODY_SIZE;
    private int maxHeaderSize = DEFAULT_MAX_HEADER_SIZE;
    private int maxInitialLineLength = DEFAULT_MAX_INITIAL_LINE_LENGTH;
    private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
    private Duration writeStallTimeout = DEFAULT_WRITE_STALL_TIMEOUT;
    private boolean writeStallTimeoutSet;
    private Duration headerReadTimeout = DEFAULT_HEADER_READ_TIMEOUT;
    private int maxConnections = DEFAULT_MAX_CONNECTIONS;
    private Duration drainGrace = DEFAULT_DRAIN_GRACE;
    private Duration drainDelay = DEFAULT_DRAIN_DELAY;
    private WarmUp warmUp;
    private boolean compression = DEFAULT_COMPRESSION;
    private CacheOptions cache = CacheOptions.builder().build();

    private Builder() {
      workerPools.put(WorkerPool.DEFAULT_NAME, b -> { });
    }

    /** TCP port, 0 to 65535; 0 picks a free port (see {@link BulwarkServer#port()}). */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be between 0 and 65535, but was " + port);
      }
      this.port = port;
      return this;
    }

    /** The address to bind. */
    public Builder host(String host) {
      if (host == null || host.isBlank()) {
        throw new IllegalArgumentException("host must not be empty, but was '" + host + "'");
      }
      this.host = host;
      return this;
    }

    /** Server instances sharing the port, one per event loop; at least 1. */
    public Builder eventLoops(int eventLoops) {
      if (eventLoops < 1) {
        throw new IllegalArgumentException("eventLoops must be >= 1, but was " + eventLoops);
      }
      this.eventLoops = eventLoops;
      return this;
    }

    /**
     * Configures the worker pool {@code name} ({@code "default"} is the pool of handlers without
     * a named {@code @Blocking}). The configurer is tried on a fresh builder now, so a bad value
     * fails here.
     */
    public Builder workerPool(String name, Consumer<WorkerPool.Builder> configurer) {
      Objects.requireNonNull(configurer, "configurer");
      WorkerPool.Builder probe = WorkerPool.builder().name(name);
      configurer.accept(probe);
      workerPools.put(name, configurer);
      return this;
    }

    /** Largest request body read, in bytes; larger ones answer 413. */
    public Builder maxBodySize(long bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("maxBodySize must be >= 1 byte, but was " + bytes);
      }
      this.maxBodySize = bytes;
      return this;
    }

    /** Largest total size of the request headers, in bytes; larger ones answer 431. */
    public Builder maxHeaderSize(int bytes) {
      if (bytes < 256) {
        throw new IllegalArgumentException("maxHeaderSize must be >= 256 bytes, but was " + bytes);
      }
      this.maxHeaderSize = bytes;
      return this;
    }

    /** Longest request line, in bytes; longer ones answer 414. */
    public Builder maxInitialLineLength(int bytes) {
      if (bytes < 64) {
        throw new IllegalArgumentException("maxInitialLineLength must be >= 64 bytes, but was " + bytes);
      }
      this.maxInitialLineLength = bytes;
      return this;
    }

    /**
     * A connection idle this long is closed; zero disables the timeout. Whole milliseconds (a
     * sub-millisecond part could not be honoured), at most {@code Integer.MAX_VALUE} ms.
     */
    public Builder idleTimeout(Duration idleTimeout) {
      OptionChecks.zeroOrWholeMillis("idleTimeout", idleTimeout);
      if (idleTimeout.compareTo(Duration.ofMillis(Integer.MAX_VALUE)) > 0) {
        throw new IllegalArgumentException("idleTimeout must be at most " + Integer.MAX_VALUE
            + " ms, but was " + idleTimeout);
      }
      this.idleTimeout = idleTimeout;
      return this;
    }

    /**
     * How long a streamed response may wait on a full socket (its client reads nothing) before it
     * is cut and its source cancelled, freeing its worker slot and database connection; zero
     * disables it. A client that reads, however slowly, makes progress and is not cut. Set
     * explicitly, it must be shorter than a non-zero {@link #idleTimeout} ({@link #build()}
     * checks); left at its default, a shorter idle timeout simply acts first. Whole milliseconds
     * (a timer's unit).
     */
    public Builder writeStallTimeout(Duration writeStallTimeout) {
      this.writeStallTimeout = OptionChecks.zeroOrWholeMillis("writeStallTimeout", writeStallTimeout);
      this.writeStallTimeoutSet = true;
      return this;
    }

    /**
     * The deadline from the first byte of a request (the first of a connection, or the first after
     * the previous request) to the end of its headers; past it the connection is answered 408 and
     * closed (slowloris). Zero disables it. Waiting for a next request is the idle timeout's part.
     */
    public Builder headerReadTimeout(Duration headerReadTimeout) {
      if (headerReadTimeout == null || headerReadTimeout.isNegative()) {
        throw new IllegalArgumentException("headerReadTimeout must be >= 0, but was " + headerReadTimeout);
      }
      this.headerReadTimeout = headerReadTimeout;
      return this;
    }

    /**
     * Open connections allowed over all event loops; one over the limit is closed, unanswered.
     * Vert.x reports a connection once its first bytes arrive (it must see whether they are
     * HTTP/1 or HTTP/2), so the count starts at a connection's first request, not at accept.
     */
    public Builder maxConnections(int maxConnections) {
      if (maxConnections < 1) {
        throw new IllegalArgumentException("maxConnections must be >= 1, but was " + maxConnections);
      }
      this.maxConnections = maxConnections;
      return this;
    }

    /** How long a drain waits for in-flight requests and queued work before closing anyway. */
    public Builder drainGrace(Duration drainGrace) {
      if (drainGrace == null || drainGrace.isNegative()) {
        throw new IllegalArgumentException("drainGrace must be >= 0, but was " + drainGrace);
      }
      this.drainGrace = drainGrace;
      return this;
    }

    /**
     * How long a drain waits, with {@code /ready} answering 503 and requests still served, before
     * it refuses new requests (503, {@code Connection: close}) and stops accepting connections:
     * the time a balancer that polls {@code /ready} (Kubernetes, HAProxy, a cloud balancer) needs
     * to stop sending. Zero (the default) suits a single process or nginx, which cannot poll.
     * Part of the drain grace: {@link #build()} refuses a delay longer than the grace. Whole
     * milliseconds (a timer's unit).
     */
    public Builder drainDelay(Duration drainDelay) {
      this.drainDelay = OptionChecks.zeroOrWholeMillis("drainDelay", drainDelay);
      return this;
    }

    /** A warm-up to run before the server listens (see {@link WarmUp}); {@code null} for none. */
    public Builder warmUp(WarmUp warmUp) {
      this.warmUp = warmUp;
      return this;
    }

    /**
     * Whether streamed responses are gzip-compressed when the client's {@code Accept-Encoding}
     * allows. Other responses are never compressed: they are small, and a compressor in every
     * connection's pipeline costs every request.
     */
    public Builder compression(boolean compression) {
      this.compression = compression;
      return this;
    }

    /**
     * The server's cache: local only by default; with a {@code redisUrl}, two-level. The server
     * adds its own meter registry when these options carry none.
     */
    public Builder cache(CacheOptions cache) {
      if (cache == null) {
        throw new IllegalArgumentException("cache must not be null");
      }
      this.cache = cache;
      return this;
    }

    /**
     * @throws IllegalStateException when {@code drainDelay} is longer than {@code drainGrace}, or
     *     {@code writeStallTimeout} was set to a value not shorter than a non-zero
     *     {@code idleTimeout}
     */
    public ServerOptions build() {
      if (drainDelay.compareTo(drainGrace) > 0) {
        throw new IllegalStateException("drainDelay must be <= drainGrace (" + drainGrace
            + "), but was " + drainDelay);
      }
      if (writeStallTimeoutSet && !writeStallTimeout.isZero() && !idleTimeout.isZero()
          && writeStallTimeout.compareTo(idleTimeout) >= 0) {
        throw new IllegalStateException("writeStallTimeout must be shorter than idleTimeout ("
            + idleTimeout + "), but was " + writeStallTimeout);
      }
      return new ServerOptions(this);
    }
  }
}
