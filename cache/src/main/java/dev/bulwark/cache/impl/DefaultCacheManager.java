package dev.bulwark.cache.impl;

import dev.bulwark.cache.BreakerState;
import dev.bulwark.cache.Cache;
import dev.bulwark.cache.CacheHealth;
import dev.bulwark.cache.CacheManager;
import dev.bulwark.cache.CacheOptions;
import dev.bulwark.cache.CachePolicy;
import dev.bulwark.cache.CacheTier;
import dev.bulwark.cache.Codec;
import dev.bulwark.core.CoarseTicker;
import dev.bulwark.core.Ticker;
import dev.bulwark.core.internal.OptionChecks;
import dev.bulwark.core.internal.OwnedMeters;
import dev.bulwark.core.internal.RedissonServers;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxException;
import io.vertx.core.internal.ContextInternal;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.redisson.Redisson;
import org.redisson.api.RFuture;
import org.redisson.api.RTopic;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.BaseConfig;
import org.redisson.config.BaseMasterSlaveServersConfig;
import org.redisson.config.Config;
import org.redisson.config.SingleServerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the caches, the Redisson client, the breaker and the pub/sub subscription.
 *
 * <p>Implementation note: every Redis call goes through {@link #call}, which asks the breaker,
 * puts a Vert.x timer deadline of {@code redisTimeout} on the call (Redisson itself runs with
 * no retries) and completes on the caller's context; only the first outcome (answer or deadline)
 * is reported to the breaker. One channel, {@code bulwark:__events}, carries "key written"
 * ({@code w}) and "cache cleared" ({@code a}) events tagged with the publishing manager's id:
 * they drop other instances' local copies and wake single-flight waiters. While the breaker is
 * not closed a periodic probe asks Redis; when it closes, the local tiers of two-level caches are
 * cleared, as they may have missed invalidations meanwhile.
 *
 * <p>Connecting never happens on the caller's thread (often an event loop): creating the Redisson
 * client and its first connection (which, with lazy initialization, connects on the thread of the
 * first call and waits up to the connect timeout when Redis does not answer) run on a worker, one
 * attempt at a time, started by the constructor and then by the probe until one succeeds. Until
 * then every Redis call is refused like an open breaker's, so the caches work locally.
 *
 * <p>Thread-safe.
 */
public final class DefaultCacheManager implements CacheManager {

  private static final Logger LOG = LoggerFactory.getLogger(DefaultCacheManager.class);
  static final String EVENTS = "bulwark:__events";
  private static final String BREAKER_GAUGE = "bulwark.cache.breaker.state";
  static final VertxException BREAKER_OPEN =
      new VertxException("redis skipped: breaker open", true);

  private final Vertx vertx;
  private final CacheOptions options;
  /** Tells this instance's own invalidation messages apart; per process, so never a meter tag. */
  private final String id = java.util.UUID.randomUUID().toString();
  /** Every meter of the manager and its caches, removed on close. */
  private final OwnedMeters meters;
  private final Map<String, DefaultCache<?>> caches = new ConcurrentHashMap<>();
  private final Map<String, Promise<Void>> waiters = new ConcurrentHashMap<>();
  private final long timeoutMs;
  private final Breaker breaker;
  /** Created on a worker by the first connect attempt; guarded by {@code this} while null. */
  private volatile RedissonClient redisson;
  private volatile RTopic topic;
  private final AtomicBoolean subscribed = new AtomicBoolean();
  /**
   * Whether the lazily initialized client has connected once. Until then a Redisson call connects
   * on the calling thread (up to the connect timeout when Redis does not answer), so none is made
   * but from a worker thread; afterwards Redisson reconnects in the background.
   */
  private volatile boolean connected;
  private final AtomicBoolean connecting = new AtomicBoolean();
  private final AtomicBoolean shutDown = new AtomicBoolean();
  private final AtomicLong connectAttempts = new AtomicLong();
  private volatile String lastConnectFailure = "";
  private final long probeTimer;
  private final CoarseTicker coarse;
  private final Ticker entryTicker;
  private volatile boolean closed;

  public DefaultCacheManager(Vertx vertx, CacheOptions options) {
    this.vertx = vertx;
    this.options = options;
    MeterRegistry registry = options.meterRegistry() != null ? options.meterRegistry() : new SimpleMeterRegistry();
    if (options.redis() != null && registry.find(BREAKER_GAUGE).tag("manager", options.name()).gauge() != null) {
      throw new IllegalStateException("a cache manager named '" + options.name()
          + "' is open with this meter registry already; give each one its own CacheOptions name");
    }
    this.meters = new OwnedMeters(registry);
    this.timeoutMs = options.redisTimeout().toMillis();
    // Entry freshness needs milliseconds, not a nanoTime call per hit; an injected ticker (tests)
    // is used as it is.
    this.coarse = options.ticker() == Ticker.system() ? CoarseTicker.acquire() : null;
    this.entryTicker = coarse != null ? coarse : options.ticker();
    this.breaker = new Breaker(options.breakerFailureThreshold(), options.breakerOpenDuration().toNanos(),
        options.ticker(), this::onReconnect);
    if (options.redis() == null) {
      probeTimer = -1;
    } else {
      connectInBackground();
      long every = Math.max(50, options.breakerOpenDuration().toMillis() / 2);
      probeTimer = vertx.setPeriodic(every, id -> probe());
      meters.add(Gauge.builder(BREAKER_GAUGE, breaker, b -> b.state().ordinal())
          .description("0 closed, 1 open, 2 half-open")
          .tag("manager", options.name())
          .register(registry));
    }
  }

  /**
   * The client, created on first use; called by one connect attempt at a time, on a worker, as
   * creating it starts Netty's threads. Null once the manager is closed: a client created while
   * {@link #close} ran is shut down here, by whichever of the two claims it first.
   */
  private RedissonClient client() {
    if (redisson == null && !closed) {
      Config config = new Config();
      config.setCodec(org.redisson.client.codec.ByteArrayCodec.INSTANCE);
      config.setLazyInitialization(true);
      // The read is a small Lua script (size check and GET in one round trip), sent whole with
      // EVAL (a few hundred bytes): no server-side script cache to lose when Redis restarts empty.
      config.setUseScriptCache(false);
      config.setNettyThreads(2);
      config.setThreads(2);
      int connectMs = (int) Math.max(timeoutMs, 1000);
      // Redisson's own timeout also bounds the PING it sends while connecting, which a cold JVM
      // does not finish in 50 ms; the per-call deadline is call()'s timer, not this.
      BaseConfig<?> servers = RedissonServers.use(config, options.redis(), connectMs, connectMs, 16, 1);
      servers.setSubscriptionTimeout(connectMs);
      if (servers instanceof SingleServerConfig) {
        ((SingleServerConfig) servers).setSubscriptionConnectionMinimumIdleSize(1);
      } else {
        ((BaseMasterSlaveServersConfig<?>) servers).setSubscriptionConnectionMinimumIdleSize(1);
      }
      RedissonClient client = Redisson.create(config);
      topic = client.getTopic(EVENTS, StringCodec.INSTANCE);
      redisson = client;
      if (closed) {
        shutdownClient();
        return null;
      }
    }
    return redisson;
  }

  /** Shuts the client down once, whoever asks first (close, or a connect attempt that saw it). */
  private void shutdownClient() {
    RedissonClient client = redisson;
    if (client != null && shutDown.compareAndSet(false, true)) {
      client.shutdown();
    }
  }

  @Override
  @SuppressWarnings("unchecked")
  public <V> Cache<V> cache(String name, CachePolicy policy, Codec<V> codec) {
    OptionChecks.name("name", name);
    boolean withRedis = options.redis() != null;
    CacheTier tier = policy.tier() != null ? policy.tier()
        : withRedis ? CacheTier.TWO_LEVEL : CacheTier.LOCAL;
    if (tier != CacheTier.LOCAL && !withRedis) {
      throw new IllegalStateException("tier " + tier + " needs Redis, but no Redis is configured (cache '"
          + name + "')");
    }
    DefaultCache<?> c = caches.computeIfAbsent(name,
        n -> new DefaultCache<>(this, n, policy, tier, codec, new CacheMetrics(meters, n)));
    if (!c.policy().equals(policy)) {
      throw new IllegalStateException("cache '" + name + "' exists with " + c.policy()
          + ", but was asked for with " + policy);
    }
    return (Cache<V>) c;
  }

  @Override
  public Cache<?> find(String name) {
    return caches.get(name);
  }

  @Override
  public CacheOptions options() {
    return options;
  }

  @Override
  public CacheHealth health() {
    if (options.redis() == null) {
      return new CacheHealth(CacheHealth.Status.UP, BreakerState.DISABLED, "local caches only");
    }
    if (!connected) {
      return new CacheHealth(CacheHealth.Status.DEGRADED, breaker.state(),
          "not connected to Redis yet (connect attempts: " + connectAttempts.get()
              + (lastConnectFailure.isEmpty() ? "" : ", last: " + lastConnectFailure) + "); "
              + breaker.describe());
    }
    BreakerState s = breaker.state();
    return new CacheHealth(s == BreakerState.CLOSED ? CacheHealth.Status.UP : CacheHealth.Status.DEGRADED,
        s, breaker.describe());
  }

  @Override
  public Future<Void> close() {
    closed = true;
    meters.removeAll();
    if (coarse != null) {
      coarse.close();
    }
    if (options.redis() == null) {
      return Future.succeededFuture();
    }
    vertx.cancelTimer(probeTimer);
    if (redisson == null) {
      // None yet; a connect attempt creating one now sees closed and shuts it down itself.
      return Future.succeededFuture();
    }
    return vertx.executeBlocking(() -> {
      shutdownClient();
      return null;
    });
  }

  Vertx vertx() {
    return vertx;
  }

  /** The time source of entry freshness and local expiry. */
  Ticker entryTicker() {
    return entryTicker;
  }

  String id() {
    return id;
  }

  RedissonClient redisson() {
    return redisson;
  }

  /** Whether Redis calls would be tried now (connected, and the breaker is closed). */
  boolean redisUsable() {
    return connected && !closed && breaker.isClosed();
  }

  /**
   * Runs one Redis call with the breaker and the deadline; the future completes on {@code ctx}.
   * Failures are counted on {@code errors} and never carry a stack trace.
   */
  <T> Future<T> call(ContextInternal ctx, Counter errors, long deadlineMs, Supplier<RFuture<T>> op) {
    if (!connected || closed || !breaker.tryAcquire()) {
      return ctx.failedFuture(BREAKER_OPEN);
    }
    Promise<T> p = ctx.promise();
    RFuture<T> rf;
    try {
      rf = op.get();
    } catch (RuntimeException e) {
      fail(errors, e.toString());
      return ctx.failedFuture(new VertxException("redis call failed: " + e, true));
    }
    long timer = vertx.setTimer(deadlineMs, t -> {
      if (p.tryFail(new VertxException("redis call timed out after " + deadlineMs + "ms", true))) {
        fail(errors, "timeout after " + deadlineMs + "ms");
      }
    });
    rf.whenComplete((v, e) -> {
      vertx.cancelTimer(timer);
      if (e == null) {
        if (p.tryComplete(v)) {
          breaker.onSuccess();
        }
      } else if (p.tryFail(new VertxException("redis call failed: " + e, true))) {
        fail(errors, e.getClass().getSimpleName());
      }
    });
    return p.future();
  }

  <T> Future<T> call(ContextInternal ctx, Counter errors, Supplier<RFuture<T>> op) {
    return call(ctx, errors, timeoutMs, op);
  }

  long timeoutMs() {
    return timeoutMs;
  }

  private void fail(Counter errors, String why) {
    if (errors != null) {
      errors.increment();
    }
    breaker.onFailure(why);
  }

  /** Publishes "key written" (key != null) or "cache cleared"; best effort. */
  void publish(ContextInternal ctx, Counter errors, String cache, String key) {
    String msg = (key == null ? "a" : "w") + id + '\n' + cache + (key == null ? "" : '\n' + key);
    call(ctx, errors, () -> topic.publishAsync(msg));
  }

  /** A promise completed when another writer (or this one) reports {@code key} written. */
  Promise<Void> waiter(String cache, String key) {
    return waiters.computeIfAbsent(cache + '\n' + key, k -> Promise.promise());
  }

  /** Forgets a waiter no event completed, so the map does not grow. */
  void forgetWaiter(String cache, String key, Promise<Void> waiter) {
    waiters.remove(cache + '\n' + key, waiter);
  }

  /** Listens to the events channel; only once connected, so the call cannot block to connect. */
  private void subscribe() {
    if (!connected || !subscribed.compareAndSet(false, true)) {
      return;
    }
    RFuture<Integer> listening;
    try {
      listening = topic.addListenerAsync(String.class, (channel, msg) -> onEvent(msg));
    } catch (RuntimeException e) {
      subscribed.set(false);
      LOG.warn("bulwark cache: cannot subscribe to {} yet ({}); will retry when Redis answers",
          EVENTS, e.toString());
      return;
    }
    listening.whenComplete((v, e) -> {
      if (e != null) {
        subscribed.set(false);
        LOG.warn("bulwark cache: cannot subscribe to {} yet ({}); will retry when Redis answers",
            EVENTS, e.toString());
      }
    });
  }

  private void onEvent(String msg) {
    if (msg.length() < 1 + id.length()) {
      return;
    }
    char type = msg.charAt(0);
    int nl = msg.indexOf('\n');
    if (nl < 0) {
      return;
    }
    boolean self = msg.regionMatches(1, id, 0, id.length()) && nl == 1 + id.length();
    String rest = msg.substring(nl + 1);
    if (type == 'w') {
      int nl2 = rest.indexOf('\n');
      if (nl2 < 0) {
        return;
      }
      String cache = rest.substring(0, nl2);
      String key = rest.substring(nl2 + 1);
      Promise<Void> w = waiters.remove(rest);
      if (w != null) {
        w.tryComplete();
      }
      DefaultCache<?> c = caches.get(cache);
      if (c != null && !self) {
        c.dropLocal(key);
      }
    } else if (type == 'a' && !self) {
      DefaultCache<?> c = caches.get(rest);
      if (c != null) {
        c.dropLocal(null);
      }
    }
  }

  private void probe() {
    if (closed || breaker.isClosed() && connected) {
      return;
    }
    if (!connected) {
      connectInBackground();
      return;
    }
    ContextInternal ctx = (ContextInternal) vertx.getOrCreateContext();
    call(ctx, null, () -> redisson.getBucket("bulwark:__probe").isExistsAsync());
  }

  /**
   * One connect attempt at a time, on a worker thread: creates the client if need be and makes
   * the first call, which connects. After a success the next probe closes an open breaker; a
   * failure opens it (logged once per run of failures).
   */
  private void connectInBackground() {
    if (closed || !connecting.compareAndSet(false, true)) {
      return;
    }
    connectAttempts.incrementAndGet();
    vertx.executeBlocking(() -> {
      RedissonClient client = client();
      if (client == null) {
        return null;
      }
      client.getBucket("bulwark:__probe").isExistsAsync().toCompletableFuture()
          .get(Math.max(timeoutMs, 1000) * 2, TimeUnit.MILLISECONDS);
      return null;
    }, false).onComplete(ar -> {
      if (closed) {
        connecting.set(false);
        return;
      }
      if (ar.succeeded()) {
        LOG.info("bulwark cache: connected to Redis");
        lastConnectFailure = "";
        connected = true;
        if (breaker.isClosed()) {
          // No breaker transition will announce it: drop what may have missed invalidations
          // and subscribe now.
          joinRedis();
        }
      } else {
        Throwable e = ar.cause() instanceof ExecutionException && ar.cause().getCause() != null
            ? ar.cause().getCause() : ar.cause();
        String why = e.getClass().getSimpleName() + ": " + e.getMessage();
        if (lastConnectFailure.isEmpty()) {
          LOG.warn("bulwark cache: cannot connect to Redis at {} yet ({}); caches work locally and"
              + " the connection is retried in the background", maskedUrl(), why);
        }
        lastConnectFailure = why;
        breaker.forceOpen("cannot connect: " + e.getClass().getSimpleName());
      }
      connecting.set(false);
    });
  }

  /** The Redis URL without its credentials ({@code redis://user:secret@host} to {@code redis://****@host}). */
  private String maskedUrl() {
    return options.redis().toString();
  }

  private void onReconnect() {
    LOG.info("bulwark cache: Redis answers again; dropping local entries of two-level caches"
        + " and releasing the leases held while it was away");
    joinRedis();
  }

  /** Drops what may have missed invalidations, releases kept leases, and listens to events. */
  private void joinRedis() {
    for (DefaultCache<?> c : caches.values()) {
      if (c.tier() == CacheTier.TWO_LEVEL) {
        c.dropLocal(null);
      }
      if (c.tier() != CacheTier.LOCAL) {
        c.scheduleRelease();
      }
    }
    subscribe();
  }
}
