package dev.bulwark.web;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A warm-up a {@link BulwarkServer} runs during {@link BulwarkServer#start()}, before it listens
 * on its port and so before {@code /ready} answers 200: the server's own routes, exercised
 * in-process over loopback (an ephemeral port bound to 127.0.0.1 for the warm-up only) through
 * the whole request path, until {@code maxRequests} were answered or {@code maxDuration} passed,
 * whichever comes first. Requests run {@code concurrency} at a time, so worker pools start their
 * threads and database pools hand out their connections; {@code @Cached} routes among the paths
 * are primed. Paths are requested with GET only (a warm-up must not change data); any status
 * counts as an answer, and a path that fails is logged once.
 *
 * <p>Why: a fresh JVM interprets its code and loads classes on first use, so its first thousands
 * of requests are many times slower than later ones; behind a balancer that cannot read
 * {@code /ready} (open-source nginx), a restarted instance would take traffic cold. Warm-up
 * requests pass through the pipeline like any other and are counted in
 * {@code http.server.requests}.
 *
 * <p>Immutable and thread-safe once built.
 */
public final class WarmUp {

  /** Default {@code maxRequests}: 5,000 answered requests. */
  public static final int DEFAULT_MAX_REQUESTS = 5_000;
  /** Default {@code maxDuration}: 10 s. */
  public static final Duration DEFAULT_MAX_DURATION = Duration.ofSeconds(10);
  /** Default {@code concurrency}: 8 requests at a time. */
  public static final int DEFAULT_CONCURRENCY = 8;

  private final List<String> paths;
  private final int maxRequests;
  private final Duration maxDuration;
  private final int concurrency;

  private WarmUp(Builder b) {
    this.paths = List.copyOf(b.paths);
    this.maxRequests = b.maxRequests;
    this.maxDuration = b.maxDuration;
    this.concurrency = b.concurrency;
  }

  /** A builder; at least one path must be added. */
  public static Builder builder() {
    return new Builder();
  }

  /** The request targets (path and query), requested in turn. */
  public List<String> paths() {
    return paths;
  }

  public int maxRequests() {
    return maxRequests;
  }

  public Duration maxDuration() {
    return maxDuration;
  }

  public int concurrency() {
    return concurrency;
  }

  @Override
  public String toString() {
    return "WarmUp{paths=" + paths + ", maxRequests=" + maxRequests + ", maxDuration="
        + maxDuration + ", concurrency=" + concurrency + '}';
  }

  /** Builder of {@link WarmUp}. Not thread-safe. */
  public static final class Builder {
    private final List<String> paths = new ArrayList<>();
    private int maxRequests = DEFAULT_MAX_REQUESTS;
    private Duration maxDuration = DEFAULT_MAX_DURATION;
    private int concurrency = DEFAULT_CONCURRENCY;

    private Builder() {
    }

    /** Adds request targets such as {@code /products/7?x=1}; each must start with {@code /}. */
    public Builder paths(String... targets) {
      for (String t : targets) {
        if (t == null || !t.startsWith("/")) {
          throw new IllegalArgumentException("warm-up path must start with '/', but was '" + t + "'");
        }
        paths.add(t);
      }
      return this;
    }

    /** Requests answered after which the warm-up ends; at least 1. */
    public Builder maxRequests(int maxRequests) {
      if (maxRequests < 1) {
        throw new IllegalArgumentException("maxRequests must be >= 1, but was " + maxRequests);
      }
      this.maxRequests = maxRequests;
      return this;
    }

    /** Time after which the warm-up ends, whatever the count; more than zero. */
    public Builder maxDuration(Duration maxDuration) {
      if (maxDuration == null || maxDuration.isZero() || maxDuration.isNegative()) {
        throw new IllegalArgumentException("maxDuration must be > 0, but was " + maxDuration);
      }
      this.maxDuration = maxDuration;
      return this;
    }

    /** Requests in flight at once; 1 to 256. */
    public Builder concurrency(int concurrency) {
      if (concurrency < 1 || concurrency > 256) {
        throw new IllegalArgumentException("concurrency must be between 1 and 256, but was " + concurrency);
      }
      this.concurrency = concurrency;
      return this;
    }

    /** @throws IllegalStateException when no path was added */
    public WarmUp build() {
      if (paths.isEmpty()) {
        throw new IllegalStateException("a warm-up needs at least one path");
      }
      return new WarmUp(this);
    }
  }
}
