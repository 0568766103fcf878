package dev.bulwark.cache.impl;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import dev.bulwark.cache.Cache;
import dev.bulwark.cache.CachePolicy;
import dev.bulwark.cache.CacheTier;
import dev.bulwark.cache.Codec;
import dev.bulwark.core.Ticker;
import dev.bulwark.core.internal.TraceSpan;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.redisson.api.RBucket;
import org.redisson.api.RScript;
import org.redisson.client.codec.ByteArrayCodec;

/**
 * The cache engine behind {@link Cache}: a Caffeine local tier and, for SHARED and TWO_LEVEL, a
 * Redis tier reached only through {@link DefaultCacheManager#call}.
 *
 * <p>Implementation note. Local entries carry their fresh-until ticker reading; Caffeine drops
 * them at the hard TTL ({@code ttl + max(swr, sie)}) after their write. The ticker is the
 * manager's entry ticker: a {@link dev.bulwark.core.CoarseTicker} unless one was injected. A miss
 * makes at most one leader per key in this process ({@code inflight}); others join its future. On the Redis tiers the leader reads
 * Redis, then takes a lease ({@code SET bulwarklease:cache:key token NX PX leaseTime}), reads again
 * (a previous holder may have written and released in between), loads, writes the value, publishes
 * "written" and releases the lease. A leader that finds the lease taken waits for the "written"
 * event (polling Redis every {@code pollMs} as a safety net), re-reads and retries the lease, so a
 * holder that died is replaced once its lease expires; past {@code maxLeaderWait} it loads itself.
 * Redis values are {@code [0xB1, 1, freshUntilEpochMillis:8, payload]} with the hard TTL as the
 * key's expiry, read by a Lua script ({@link #READ}) that sends a value only when it is a string
 * of at most {@code maxValueBytes}; bytes that do not parse are a miss, a {@code decode.errors} count and (the first
 * time) a log line; see {@link #decode}. A load that returns null is kept like a value, as "no
 * value" (an {@link Entry} whose value is null, and {@code [0xB1, 2, freshUntilEpochMillis:8]} in
 * Redis): until it expires gets answer null without loading, and a null costs one write per TTL,
 * not a delete and an event per call. Any Redis failure makes the operation fall back to the local
 * tier or the loader.
 *
 * <p>Thread-safe.
 */
final class DefaultCache<V> implements Cache<V> {

  private static final byte MAGIC = (byte) 0xB1;
  private static final byte VERSION = 1;
  /** The frame of "the load returned null": the header alone. */
  private static final byte NO_VALUE = 2;
  /**
   * How far another instance's wall clock may run ahead of this one's: an entry whose fresh-until
   * lies further beyond the TTL than this was not written by a Bulwark cache with this policy.
   */
  private static final long MAX_CLOCK_SKEW_MS = 60_000;
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(DefaultCache.class);
  private static final int HEADER = 10;
  private static final int MAX_UNRELEASED = 10_000;
  /**
   * The read: the value when it is a string of at most ARGV[1] bytes, nil when absent, else its
   * size (or -1 for another type), so an oversized or foreign value never leaves Redis and a
   * list or hash at the key is a miss, not an error that would count against the breaker.
   */
  static final String READ = "local t = redis.call('TYPE', KEYS[1])['ok'] "
      + "if t == 'none' then return false end "
      + "if t ~= 'string' then return -1 end "
      + "local n = redis.call('STRLEN', KEYS[1]) "
      + "if n > tonumber(ARGV[1]) then return n end "
      + "return redis.call('GET', KEYS[1])";

  /** About one in this many direct hits ({@link #freshLocal(KeyMemo.Remembered)}) is read from Caffeine too. */
  static final int POLICY_SAMPLE = 16;
  private static final int POLICY_SAMPLE_BITS = Integer.numberOfTrailingZeros(POLICY_SAMPLE);
  /** The golden ratio in 64 bits: consecutive counts times it spread evenly over the top bits. */
  private static final long SAMPLE_MIX = 0x9E3779B97F4A7C15L;

  private final DefaultCacheManager manager;
  private final String name;
  private final CachePolicy policy;
  private final CacheTier tier;
  private final Codec<V> codec;
  private final CacheMetrics metrics;
  private final Ticker ticker;
  private final com.github.benmanes.caffeine.cache.Cache<String, Entry<V>> local;
  /**
   * The shared tier keeps no values here, only when the entries this instance last loaded or read
   * stop being fresh, so that {@link #remainingTtlMillis} can answer (for max-age) on every tier.
   */
  private final com.github.benmanes.caffeine.cache.Cache<String, Long> sharedFreshUntil;
  private final long freshNanos;
  private final long swrNanos;
  private final long sieNanos;
  private final long hardNanos;
  private final long pollMs;
  private final String prefix;
  private final String leasePrefix;
  private final Map<String, Future<Entry<V>>> inflight = new ConcurrentHashMap<>();
  private final Map<String, Boolean> refreshing = new ConcurrentHashMap<>();
  /** By lease key; bounded, since a lease expires by itself anyway. */
  private final Map<String, Unreleased> unreleased = new ConcurrentHashMap<>();
  private final long leaseNanos;
  private final byte[] maxValueBytesArg;
  private final long releaseDelayMs;
  private final AtomicBoolean releaseScheduled = new AtomicBoolean();
  /** Whether an undecodable value was logged already: once per cache, then only counted. */
  private final AtomicBoolean decodeLogged = new AtomicBoolean();

  DefaultCache(DefaultCacheManager manager, String name, CachePolicy policy, CacheTier tier,
      Codec<V> codec, CacheMetrics metrics) {
    this.manager = manager;
    this.name = name;
    this.policy = policy;
    this.tier = tier;
    this.codec = codec;
    this.metrics = metrics;
    this.ticker = manager.entryTicker();
    this.freshNanos = policy.ttl().toNanos();
    this.swrNanos = policy.staleWhileRevalidate().toNanos();
    this.sieNanos = policy.staleIfError().toNanos();
    this.hardNanos = policy.hardTtl().toNanos();
    this.leaseNanos = manager.options().leaseTime().toNanos();
    this.maxValueBytesArg = Integer.toString(manager.options().maxValueBytes())
        .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    this.releaseDelayMs = Math.max(100, 4 * manager.timeoutMs());
    this.pollMs = Math.max(10, Math.min(200, manager.options().leaseTime().toMillis() / 10));
    this.prefix = "bulwark:" + name + ":";
    this.leasePrefix = "bulwarklease:" + name + ":";
    this.local = tier == CacheTier.SHARED ? null : Caffeine.newBuilder()
        .maximumSize(manager.options().localMaximumSize())
        .ticker(ticker::read)
        // One fixed lifetime (the hard TTL) for every local entry: Caffeine's fixed expiry costs a
        // third of its per-entry one on a hit. Freshness is the entry's own freshUntil, checked
        // on every read, so an entry read from Redis with less time left is still served fresh
        // only until it should be.
        .expireAfterWrite(hardNanos, TimeUnit.NANOSECONDS)
        .removalListener((String k, Entry<V> v, RemovalCause cause) -> {
          if (v != null) {
            v.retire();
          }
          if (cause.wasEvicted()) {
            metrics.evictions.increment();
          }
        })
        .executor(Runnable::run)
        .build();
    this.sharedFreshUntil = tier != CacheTier.SHARED ? null : Caffeine.newBuilder()
        .maximumSize(manager.options().localMaximumSize())
        .ticker(ticker::read)
        .expireAfterWrite(hardNanos, TimeUnit.NANOSECONDS)
        .executor(Runnable::run)
        .<String, Long>build();
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public CachePolicy policy() {
    return policy;
  }

  @Override
  public CacheTier tier() {
    return tier;
  }

  @Override
  public V getIfPresent(String key) {
    Entry<V> e = freshLocal(key);
    return e != null ? e.value : null;
  }

  @Override
  public Future<V> find(String key) {
    ContextInternal ctx = (ContextInternal) manager.vertx().getOrCreateContext();
    Entry<V> e = freshLocal(key);
    if (e != null) {
      return ctx.succeededFuture(e.value);
    }
    TraceSpan span = CacheTracing.miss(name);
    if (tier == CacheTier.LOCAL || !manager.redisUsable()) {
      metrics.misses.increment();
      CacheTracing.answered(span, null, null);
      return ctx.succeededFuture(null);
    }
    return readShared(ctx, key).transform(ar -> {
      Entry<V> r = ar.succeeded() ? ar.result() : null;
      if (r != null && ticker.read() - r.freshUntil < 0) {
        putLocal(key, r);
        metrics.hits.increment();
        CacheTracing.answered(span, r, null);
        return ctx.succeededFuture(r.value);
      }
      metrics.misses.increment();
      CacheTracing.answered(span, null, null);
      return ctx.succeededFuture(null);
    });
  }

  @Override
  public long remainingTtlMillis(String key) {
    Long freshUntil;
    if (local != null) {
      Entry<V> e = local.getIfPresent(key);
      freshUntil = e == null ? null : e.freshUntil;
    } else {
      freshUntil = sharedFreshUntil.getIfPresent(key);
    }
    if (freshUntil == null) {
      return -1;
    }
    return Math.max(0, Duration.ofNanos(freshUntil - ticker.read()).toMillis());
  }

  @Override
  public Future<V> get(String key, Supplier<Future<V>> loader) {
    ContextInternal ctx = (ContextInternal) manager.vertx().getOrCreateContext();
    Entry<V> e = local == null ? null : local.getIfPresent(key);
    if (e != null) {
      long now = ticker.read();
      if (now - e.freshUntil < 0) {
        metrics.hits.increment();
        CacheTracing.localHit(name, false);
        return ctx.succeededFuture(e.value);
      }
      if (now - (e.freshUntil + swrNanos) < 0) {
        metrics.hits.increment();
        metrics.staleServes.increment();
        CacheTracing.localHit(name, true);
        refresh(ctx, key, loader);
        return ctx.succeededFuture(e.value);
      }
    }
    metrics.misses.increment();
    Promise<V> result = ctx.promise();
    TraceSpan span = CacheTracing.miss(name);
    lead(ctx, key, loader, e).onComplete(ar -> {
      CacheTracing.answered(span, ar.result(), ar.cause());
      if (ar.succeeded()) {
        result.complete(ar.result().value);
      } else {
        result.fail(ar.cause());
      }
    });
    return result.future();
  }

  @Override
  public V getBlocking(String key, Callable<V> loader) throws Exception {
    if (Context.isOnEventLoopThread()) {
      throw new IllegalStateException("getBlocking must not be called on an event-loop thread ("
          + Thread.currentThread().getName() + "); use get");
    }
    V hit = getIfPresent(key);
    if (hit != null) {
      return hit;
    }
    Thread caller = Thread.currentThread();
    Supplier<Future<V>> async = () -> {
      if (Thread.currentThread() == caller) {
        try {
          return Future.succeededFuture(loader.call());
        } catch (Exception ex) {
          return Future.failedFuture(ex);
        }
      }
      return manager.vertx().executeBlocking(loader, false);
    };
    try {
      return get(key, async).toCompletionStage().toCompletableFuture().get();
    } catch (ExecutionException ex) {
      Throwable cause = ex.getCause();
      if (cause instanceof Exception) {
        throw (Exception) cause;
      }
      if (cause instanceof Error) {
        throw (Error) cause;
      }
      throw ex;
    }
  }

  /** Joins this process's load of {@code key}, or starts it. */
  private Future<Entry<V>> lead(ContextInternal ctx, String key, Supplier<Future<V>> loader, Entry<V> stale) {
    Future<Entry<V>> running = inflight.get(key);
    if (running != null) {
      return running;
    }
    Promise<Entry<V>> mine = ctx.promise();
    running = inflight.putIfAbsent(key, mine.future());
    if (running != null) {
      return running;
    }
    // A leader that finished between the caller's lookup and this claim has stored its value
    // before it let go of the key: take that instead of loading a second time.
    Entry<V> stored = fresh(key);
    if (stored != null) {
      inflight.remove(key, mine.future());
      mine.complete(stored);
      return mine.future();
    }
    Future<Entry<V>> f = tier == CacheTier.LOCAL || !manager.redisUsable()
        ? loadLocally(ctx, key, loader, stale)
        : readShared(ctx, key).compose(r -> sharedMiss(ctx, key, loader, r, stale),
            err -> loadLocally(ctx, key, loader, stale));
    f.onComplete(ar -> {
      inflight.remove(key, mine.future());
      mine.handle(ar);
    });
    return mine.future();
  }

  /** After a Redis read: serve what is usable, otherwise single-flight across the cluster. */
  private Future<Entry<V>> sharedMiss(ContextInternal ctx, String key, Supplier<Future<V>> loader,
      Entry<V> fromRedis, Entry<V> stale) {
    if (fromRedis != null) {
      long now = ticker.read();
      if (now - fromRedis.freshUntil < 0) {
        putLocal(key, fromRedis);
        return ctx.succeededFuture(fromRedis);
      }
      if (now - (fromRedis.freshUntil + swrNanos) < 0) {
        putLocal(key, fromRedis);
        metrics.staleServes.increment();
        refresh(ctx, key, loader);
        return ctx.succeededFuture(fromRedis);
      }
      if (stale == null || fromRedis.freshUntil - stale.freshUntil > 0) {
        stale = fromRedis;
      }
    }
    return acquireAndLoad(ctx, key, loader, ticker.read() + manager.options().maxLeaderWait().toNanos(), stale);
  }

  private Future<Entry<V>> acquireAndLoad(ContextInternal ctx, String key, Supplier<Future<V>> loader,
      long deadline, Entry<V> stale) {
    Promise<Void> waiter = manager.waiter(name, key);
    byte[] token = UUID.randomUUID().toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    String lease = leasePrefix + key;
    return acquire(ctx, lease, token)
        .compose(won -> {
          if (!won) {
            return awaitLeader(ctx, key, loader, deadline, stale, waiter);
          }
          manager.forgetWaiter(name, key, waiter);
          return readShared(ctx, key).recover(err -> ctx.succeededFuture(null)).compose(again -> {
            if (again != null && ticker.read() - again.freshUntil < 0) {
              release(ctx, lease, token);
              putLocal(key, again);
              return ctx.succeededFuture(again);
            }
            return loadAndPublish(ctx, key, loader, stale).andThen(ar -> release(ctx, lease, token));
          });
        }, err -> {
          manager.forgetWaiter(name, key, waiter);
          return loadLocally(ctx, key, loader, stale);
        });
  }

  private Future<Entry<V>> awaitLeader(ContextInternal ctx, String key, Supplier<Future<V>> loader,
      long deadline, Entry<V> stale, Promise<Void> waiter) {
    long remainingMs = (deadline - ticker.read()) / 1_000_000;
    if (remainingMs <= 0) {
      manager.forgetWaiter(name, key, waiter);
      return loadAndPublish(ctx, key, loader, stale);
    }
    Promise<Void> woken = ctx.promise();
    long timer = manager.vertx().setTimer(Math.min(pollMs, remainingMs), t -> woken.tryComplete());
    waiter.future().onComplete(ar -> {
      manager.vertx().cancelTimer(timer);
      woken.tryComplete();
    });
    return woken.future().compose(v -> {
      manager.forgetWaiter(name, key, waiter);
      return readShared(ctx, key).recover(err -> ctx.succeededFuture(null));
    }).compose(r -> {
      if (r != null && ticker.read() - r.freshUntil < 0) {
        putLocal(key, r);
        return ctx.succeededFuture(r);
      }
      if (!manager.redisUsable()) {
        return loadLocally(ctx, key, loader, stale);
      }
      return acquireAndLoad(ctx, key, loader, deadline, stale);
    });
  }

  /** Loads, writes Redis and publishes "written"; serves {@code stale} on failure within staleIfError. */
  private Future<Entry<V>> loadAndPublish(ContextInternal ctx, String key, Supplier<Future<V>> loader,
      Entry<V> stale) {
    return runLoader(ctx, loader).transform(ar -> {
      if (ar.failed()) {
        manager.publish(ctx, metrics.redisErrors, name, key);
        return staleOrFail(ctx, stale, ar.cause());
      }
      Entry<V> e = new Entry<>(ar.result(), ticker.read() + freshNanos);
      putLocal(key, e);
      return writeShared(ctx, key, e).transform(w -> {
        manager.publish(ctx, metrics.redisErrors, name, key);
        return ctx.succeededFuture(e);
      });
    });
  }

  private Future<Entry<V>> loadLocally(ContextInternal ctx, String key, Supplier<Future<V>> loader,
      Entry<V> stale) {
    return runLoader(ctx, loader).transform(ar -> {
      if (ar.failed()) {
        return staleOrFail(ctx, stale, ar.cause());
      }
      Entry<V> e = new Entry<>(ar.result(), ticker.read() + freshNanos);
      putLocal(key, e);
      return ctx.succeededFuture(e);
    });
  }

  private Future<Entry<V>> staleOrFail(ContextInternal ctx, Entry<V> stale, Throwable cause) {
    if (stale != null && ticker.read() - (stale.freshUntil + sieNanos) < 0) {
      metrics.staleServes.increment();
      return ctx.succeededFuture(stale);
    }
    return ctx.failedFuture(cause);
  }

  private Future<V> runLoader(ContextInternal ctx, Supplier<Future<V>> loader) {
    long start = ticker.read();
    Future<V> f;
    try {
      f = loader.get();
      if (f == null) {
        f = ctx.failedFuture(new NullPointerException("loader returned a null future"));
      }
    } catch (RuntimeException | Error ex) {
      // The load fails with it; thrown on, it would leave the key's single flight open for good.
      f = ctx.failedFuture(ex);
    }
    return f.andThen(ar -> {
      metrics.loadTime.record(ticker.read() - start, TimeUnit.NANOSECONDS);
      (ar.succeeded() ? metrics.loadSuccesses : metrics.loadFailures).increment();
    });
  }

  /** One refresh per key in this process, and with Redis one per cluster (who gets the lease). */
  private void refresh(ContextInternal ctx, String key, Supplier<Future<V>> loader) {
    if (refreshing.putIfAbsent(key, Boolean.TRUE) != null) {
      return;
    }
    Future<?> f;
    if (tier == CacheTier.LOCAL || !manager.redisUsable()) {
      f = loadLocally(ctx, key, loader, null);
    } else {
      byte[] token = UUID.randomUUID().toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      String lease = leasePrefix + key;
      f = acquire(ctx, lease, token).compose(won -> {
            if (!won) {
              return ctx.succeededFuture();
            }
            return readShared(ctx, key).recover(err -> ctx.succeededFuture(null)).compose(r -> {
              if (r != null && ticker.read() - r.freshUntil < 0) {
                putLocal(key, r);
                return ctx.succeededFuture(r);
              }
              return loadAndPublish(ctx, key, loader, null);
            }).andThen(ar -> release(ctx, lease, token));
          });
    }
    f.onComplete(ar -> refreshing.remove(key));
  }

  /**
   * {@code SET lease token NX PX leaseTime}. A call that failed may still take effect: one that
   * timed out against a slow Redis completes late, one against a paused Redis runs when it
   * resumes; either leaves a lease nobody releases (others would wait maxLeaderWait for it). Its
   * token is kept for releaseUnreleased.
   */
  private Future<Boolean> acquire(ContextInternal ctx, String lease, byte[] token) {
    return manager.call(ctx, metrics.redisErrors,
            () -> bucket(lease).setIfAbsentAsync(token, manager.options().leaseTime()))
        .onFailure(err -> {
          if (err != DefaultCacheManager.BREAKER_OPEN) { // refused calls were never sent
            keepUnreleased(lease, token);
          }
        });
  }

  /** Releases a lease this instance holds; if that fails (even refused), it is released later. */
  private void release(ContextInternal ctx, String lease, byte[] token) {
    manager.call(ctx, metrics.redisErrors, () -> bucket(lease).compareAndSetAsync(token, null))
        .onFailure(err -> keepUnreleased(lease, token));
  }

  private void keepUnreleased(String lease, byte[] token) {
    if (unreleased.size() < MAX_UNRELEASED) {
      unreleased.put(lease, new Unreleased(token, ticker.read() + leaseNanos));
    }
    scheduleRelease();
  }

  /**
   * Releases the kept leases a little later: by then a slow call that timed out has run, and a
   * breaker that opened meanwhile is closed again or keeps them for later. One timer per cache.
   */
  void scheduleRelease() {
    if (!unreleased.isEmpty() && releaseScheduled.compareAndSet(false, true)) {
      manager.vertx().setTimer(releaseDelayMs, t -> {
        releaseScheduled.set(false);
        releaseUnreleased();
      });
    }
  }

  /**
   * Releases (compare-and-delete, so only if still ours) the leases whose acquire or release
   * failed and that have not expired yet; while Redis is unusable, tries again later.
   */
  private void releaseUnreleased() {
    if (unreleased.isEmpty()) {
      return;
    }
    if (!manager.redisUsable()) {
      scheduleRelease();
      return;
    }
    ContextInternal ctx = (ContextInternal) manager.vertx().getOrCreateContext();
    long now = ticker.read();
    for (Map.Entry<String, Unreleased> e : unreleased.entrySet()) {
      if (!unreleased.remove(e.getKey(), e.getValue()) || now - e.getValue().expiresAt >= 0) {
        continue;
      }
      release(ctx, e.getKey(), e.getValue().token);
    }
  }

  /** A lease this instance still holds in Redis: its token and when it expires by itself. */
  private static final class Unreleased {
    final byte[] token;
    final long expiresAt;

    Unreleased(byte[] token, long expiresAt) {
      this.token = token;
      this.expiresAt = expiresAt;
    }
  }

  @Override
  public Future<Void> put(String key, V value) {
    if (value == null) {
      return invalidate(key);
    }
    return store(key, value);
  }

  /**
   * Stores {@code value}, or "no value" for null, fresh for the TTL, in every tier of this cache,
   * and tells the other instances (one write and one event, as for any value).
   */
  Future<Void> store(String key, V value) {
    ContextInternal ctx = (ContextInternal) manager.vertx().getOrCreateContext();
    Entry<V> e = new Entry<>(value, ticker.read() + freshNanos);
    putLocal(key, e);
    if (tier == CacheTier.LOCAL) {
      return ctx.succeededFuture();
    }
    return writeShared(ctx, key, e).transform(ar -> {
      manager.publish(ctx, metrics.redisErrors, name, key);
      return ctx.succeededFuture();
    });
  }

  @Override
  public Future<Void> invalidate(String key) {
    ContextInternal ctx = (ContextInternal) manager.vertx().getOrCreateContext();
    dropLocal(key);
    if (tier == CacheTier.LOCAL) {
      return ctx.succeededFuture();
    }
    return manager.call(ctx, metrics.redisErrors, () -> bucket(prefix + key).deleteAsync())
        .transform(ar -> {
          manager.publish(ctx, metrics.redisErrors, name, key);
          return ctx.succeededFuture();
        });
  }

  @Override
  public Future<Void> invalidateAll() {
    ContextInternal ctx = (ContextInternal) manager.vertx().getOrCreateContext();
    dropLocal(null);
    if (tier == CacheTier.LOCAL) {
      return ctx.succeededFuture();
    }
    // A pattern delete scans the keyspace; it gets more time than a single-key call.
    return manager.call(ctx, metrics.redisErrors, Math.max(1000, manager.timeoutMs() * 20),
            () -> manager.redisson().getKeys().deleteByPatternAsync(prefix + "*"))
        .transform(ar -> {
          manager.publish(ctx, metrics.redisErrors, name, null);
          return ctx.succeededFuture();
        });
  }

  @Override
  public <T> T unwrap(Class<T> type) {
    if (type == com.github.benmanes.caffeine.cache.Cache.class && local != null) {
      return type.cast(local);
    }
    throw new IllegalArgumentException("cache '" + name + "' (" + tier + ") cannot be unwrapped as "
        + type.getName());
  }

  /**
   * Drops one local key (key != null) or all: on invalidation, on another instance's write, after
   * a Redis outage.
   */
  void dropLocal(String key) {
    com.github.benmanes.caffeine.cache.Cache<String, ?> c = local != null ? local : sharedFreshUntil;
    if (key == null) {
      c.invalidateAll();
    } else {
      c.invalidate(key);
    }
  }

  /**
   * The fresh local entry for {@code key} (its value may be null: "no value"), counted and traced
   * as a hit, or null when there is none. No Redis call.
   */
  Entry<V> freshLocal(String key) {
    Entry<V> e = fresh(key);
    if (e != null) {
      metrics.hits.increment();
      CacheTracing.localHit(name, false);
    }
    return e;
  }

  /**
   * {@link #freshLocal(String)} of {@code slot.key}, answered by the entry the slot kept when that
   * one is still held by the local tier and fresh: no lookup of the key, one ticker read. Caffeine
   * does not see such a hit, so about one in {@value #POLICY_SAMPLE} of them is read from it too,
   * for its eviction policy; which ones is decided by a hash of the thread's hit count, so that
   * keys hit in turn (one request asking for two) each get their share. A key served from its slot
   * thus counts in Caffeine's frequency sketch and recency order about once per
   * {@value #POLICY_SAMPLE} hits: among keys all served so, as with every hit counted; against a
   * key of the same cache read through the key on every hit (a method keyed on several
   * arguments, {@link #getIfPresent}), as that many times fewer reads. A hit through the key keeps
   * its entry in the slot for the next one.
   */
  @SuppressWarnings("unchecked")
  Entry<V> freshLocal(KeyMemo.Remembered slot) {
    Entry<V> kept = (Entry<V>) slot.entry();
    if (kept != null && kept.retired()) {
      slot.forget(kept);
    } else if (kept != null && ticker.read() - kept.freshUntil < 0) {
      if ((metrics.hits.increment() * SAMPLE_MIX) >>> (64 - POLICY_SAMPLE_BITS) == 0) {
        local.getIfPresent(slot.key);
      }
      CacheTracing.localHit(name, false);
      return kept;
    }
    Entry<V> e = freshLocal(slot.key);
    if (e != null && local != null) {
      slot.keep(e);
    }
    return e;
  }

  /**
   * Counts a lookup that missed the local tier and starts its span (null when untraced), for a
   * caller that loads by itself, outside {@link #get}: a decorated plain method on an event loop.
   */
  TraceSpan missed() {
    metrics.misses.increment();
    return CacheTracing.miss(name);
  }

  /** The fresh local entry for {@code key}, or null; neither counted nor traced. */
  Entry<V> fresh(String key) {
    Entry<V> e = local == null ? null : local.getIfPresent(key);
    return e != null && ticker.read() - e.freshUntil < 0 ? e : null;
  }

  /** Keeps a loaded or read entry locally; on the shared tier, only when it stops being fresh. */
  private void putLocal(String key, Entry<V> e) {
    if (local != null) {
      local.put(key, e);
    } else {
      sharedFreshUntil.put(key, e.freshUntil);
    }
  }

  /**
   * Reads and decodes the Redis entry: null for a miss, for bytes that do not decode, and for a
   * value larger than {@code maxValueBytes} or not a string, which Redis itself refuses to send
   * (one round trip: {@link #READ}).
   */
  private Future<Entry<V>> readShared(ContextInternal ctx, String key) {
    // READ_WRITE: the master, where RBucket.get read as well, with a plain EVAL (the script
    // cache is off), one round trip whatever scripts the server has loaded.
    return manager.<Object>call(ctx, metrics.redisErrors, () -> manager.redisson()
            .getScript(ByteArrayCodec.INSTANCE)
            .evalAsync(prefix + key, RScript.Mode.READ_WRITE, READ, RScript.ReturnType.VALUE,
                List.<Object>of(prefix + key), maxValueBytesArg))
        .map(this::decodeReply);
  }

  /** A {@link #READ} reply: the value's bytes, nil, or a number when Redis kept the value back. */
  private Entry<V> decodeReply(Object reply) {
    if (reply == null || reply instanceof byte[]) {
      return decode((byte[]) reply);
    }
    long size = reply instanceof Number ? ((Number) reply).longValue() : -1;
    refused(size < 0 ? "not a string value" : "a value of " + size + " bytes, over maxValueBytes ("
        + manager.options().maxValueBytes() + ")");
    return null;
  }

  private Future<Void> writeShared(ContextInternal ctx, String key, Entry<V> e) {
    long freshMs = Math.max(0, (e.freshUntil - ticker.read()) / 1_000_000);
    long hardMs = freshMs + (hardNanos - freshNanos) / 1_000_000;
    byte[] payload;
    try {
      payload = e.value == null ? new byte[0] : codec.encode(e.value);
    } catch (Exception ex) {
      return ctx.failedFuture(ex);
    }
    if (HEADER + payload.length > manager.options().maxValueBytes()) {
      // A read would refuse it: keep it local, and leave Redis as it was.
      metrics.oversizeSkips.increment();
      return ctx.succeededFuture();
    }
    ByteBuffer buf = ByteBuffer.allocate(HEADER + payload.length);
    buf.put(MAGIC).put(e.value == null ? NO_VALUE : VERSION).putLong(System.currentTimeMillis() + freshMs)
        .put(payload);
    return manager.call(ctx, metrics.redisErrors,
        () -> bucket(prefix + key).setAsync(buf.array(), Duration.ofMillis(Math.max(1, hardMs))));
  }

  /**
   * A Redis key as a bucket of bytes. Only inside the operation passed to
   * {@link DefaultCacheManager#call}, which runs it once the client exists and is connected.
   */
  private RBucket<byte[]> bucket(String redisKey) {
    return manager.redisson().getBucket(redisKey, ByteArrayCodec.INSTANCE);
  }

  /**
   * The entry in {@code bytes}, or null for a miss: bytes this cache did not write (another
   * program's, Java serialization, a truncated or tampered frame, a payload the codec refuses or
   * that has bytes after its value, an entry claiming to stay fresh longer than the TTL allows)
   * are a miss, counted, and the first one is logged. Nothing here allocates more than the bytes
   * already read, whatever a payload declares.
   */
  private Entry<V> decode(byte[] bytes) {
    if (bytes == null) {
      return null;
    }
    String problem;
    try {
      problem = frameProblem(bytes);
      if (problem == null) {
        long remainingMs = ByteBuffer.wrap(bytes).getLong(2) - System.currentTimeMillis();
        if (remainingMs > freshNanos / 1_000_000 + MAX_CLOCK_SKEW_MS) {
          problem = "fresh for " + remainingMs + " ms, longer than the ttl (" + policy.ttl() + ")";
        } else {
          // Long past its hard TTL (Redis should have dropped it): stale; and no overflow below.
          remainingMs = Math.max(remainingMs, -(hardNanos / 1_000_000) - 1);
          long freshUntil = ticker.read() + remainingMs * 1_000_000;
          if (bytes[1] == NO_VALUE) {
            return new Entry<>(null, freshUntil, true);
          }
          V v = codec.decode(java.util.Arrays.copyOfRange(bytes, HEADER, bytes.length));
          if (v != null) {
            return new Entry<>(v, freshUntil, true);
          }
          problem = "the payload decoded to null";
        }
      }
    } catch (Exception | StackOverflowError ex) {
      problem = "the payload does not decode (" + ex.getClass().getSimpleName() + ")";
    }
    refused(problem);
    return null;
  }

  /** Counts a value in Redis this cache will not use, and logs the first one. */
  private void refused(String problem) {
    metrics.decodeErrors.increment();
    if (decodeLogged.compareAndSet(false, true)) {
      LOG.warn("cache '{}': a value in Redis is not an entry this cache wrote ({}); it is treated as"
          + " a miss and replaced by the next load. Further ones are only counted in"
          + " bulwark.cache.decode.errors", name, problem);
    }
  }

  /** What is wrong with the frame around the payload, or null. */
  private static String frameProblem(byte[] bytes) {
    if (bytes.length < HEADER) {
      return "shorter than the " + HEADER + "-byte header";
    }
    if (bytes[0] != MAGIC) {
      return bytes[0] == (byte) 0xAC && bytes[1] == (byte) 0xED ? "Java serialization" : "no bulwark header";
    }
    if (bytes[1] == NO_VALUE) {
      return bytes.length == HEADER ? null : "a no-value entry with a payload";
    }
    return bytes[1] == VERSION ? null : "unknown format version " + bytes[1];
  }
}
