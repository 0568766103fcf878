package dev.bulwark.web.impl;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bulwark.cache.CacheManager;
import dev.bulwark.cache.CacheOptions;
import dev.bulwark.core.WorkerPool;
import dev.bulwark.web.BulwarkServer;
import dev.bulwark.web.ServerOptions;
import dev.bulwark.web.ServerState;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link BulwarkServer} implementation.
 *
 * <p>Implementation note. Handlers are bound once, on the caller's thread, into
 * {@link RoutePlan}s; {@link #start} deploys one {@link ServerVerticle} per event loop, each
 * with its own route table and fallback router built from those plans, all listening on one port (Vert.x balances
 * connections between them). The shared state is the {@link Lifecycle} (state and in-flight
 * count), the connection count and the worker pools, all thread-safe. Drain is a small state
 * machine driven from one periodic timer: READY to DRAINING at once; when in-flight reaches zero
 * or the grace runs out, undeploy the verticles (closing the sockets), close the pools with what
 * remains of the grace, then STOPPED.
 */
public final class DefaultBulwarkServer implements BulwarkServer {

  private static final Logger LOG = LoggerFactory.getLogger(DefaultBulwarkServer.class);
  private static final long DRAIN_POLL_MS = 10;

  private final Vertx vertx;
  private final ServerOptions options;
  private final PrometheusMeterRegistry registry;
  private final Map<String, WorkerPool> pools = new LinkedHashMap<>();
  private final Lifecycle lifecycle = new Lifecycle();
  private final RoutePlanner planner;
  private final CacheManager caches;
  private final AtomicInteger connections = new AtomicInteger();
  private final Object lock = new Object();
  private boolean started;
  private volatile int port = -1;
  private String deploymentId;
  private Promise<Void> drainPromise;
  private final List<Supplier<Future<?>>> closers = new CopyOnWriteArrayList<>();
  private final List<java.util.function.Consumer<io.vertx.ext.web.Router>> mounts = new CopyOnWriteArrayList<>();

  public DefaultBulwarkServer(Vertx vertx, ServerOptions options, PrometheusMeterRegistry registry) {
    this.vertx = vertx;
    this.options = options;
    this.registry = registry;
    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    options.workerPools().forEach((name, configurer) -> {
      WorkerPool.Builder b = WorkerPool.builder().name(name);
      configurer.accept(b);
      pools.put(name, b.meterRegistry(registry).build());
    });
    this.caches = CacheManager.create(vertx, withRegistry(options.cache(), registry));
    ObjectMapper mapper = Jackson.mapper();
    this.planner = new RoutePlanner(mapper, pools, new HttpMetrics(registry), caches,
        options.compression(), options.writeStallTimeout());
  }

  @Override
  public BulwarkServer handler(Object handler) {
    synchronized (lock) {
      if (started) {
        throw new IllegalStateException("handlers must be added before start()");
      }
      planner.plan(handler);
    }
    return this;
  }

  @Override
  public BulwarkServer routes(java.util.function.Consumer<io.vertx.ext.web.Router> mount) {
    synchronized (lock) {
      if (started) {
        throw new IllegalStateException("routes must be added before start()");
      }
      mounts.add(mount);
    }
    return this;
  }

  @Override
  public Future<BulwarkServer> start() {
    List<RoutePlan> routes;
    synchronized (lock) {
      if (started) {
        return Future.failedFuture(new IllegalStateException("start() was called already"));
      }
      started = true;
      routes = planner.routes();
    }
    HttpMetrics metrics = new HttpMetrics(registry);
    ServerVerticle.Shared shared = new ServerVerticle.Shared(routes, options, lifecycle,
        new Probes(lifecycle, registry, metrics), metrics, connections, httpOptions(),
        this::boundPort, List.copyOf(mounts));
    // Several instances on port 0 would each get their own random port; a negative port is
    // Vert.x's way of sharing one random port between them.
    int listenPort = options.port() == 0 && options.eventLoops() > 1 ? -1 : options.port();
    DeploymentOptions deployment = new DeploymentOptions().setInstances(options.eventLoops());
    return vertx.deployVerticle(() -> new ServerVerticle(shared, listenPort), deployment)
        .map(id -> {
          synchronized (lock) {
            deploymentId = id;
          }
          lifecycle.state(ServerState.READY);
          LOG.info("listening on {}:{} with {} event loop(s), routes {}", options.host(), port,
              options.eventLoops(), describe(routes));
          return (BulwarkServer) this;
        })
        .onFailure(e -> lifecycle.state(ServerState.STOPPED));
  }

  private static String describe(List<RoutePlan> routes) {
    List<String> out = new ArrayList<>();
    for (RoutePlan r : routes) {
      out.add(r.method() + " " + r.template() + (r.pool() == null ? " [event loop]" : " [pool " + r.pool().name() + "]"));
    }
    return out.toString();
  }

  private HttpServerOptions httpOptions() {
    HttpServerOptions o = new HttpServerOptions()
        .setHost(options.host())
        .setMaxHeaderSize(options.maxHeaderSize())
        .setMaxInitialLineLength(options.maxInitialLineLength())
        .setTcpNoDelay(true)
        .setReuseAddress(true)
        .setHandle100ContinueAutomatically(true);
    long idleSeconds = options.idleTimeout().toSeconds();
    if (!options.idleTimeout().isZero()) {
      o.setIdleTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, idleSeconds)))
          .setIdleTimeoutUnit(TimeUnit.SECONDS);
    }
    return o;
  }

  private void boundPort(int actual) {
    port = actual;
  }

  @Override
  public int port() {
    return port;
  }

  @Override
  public ServerState state() {
    return lifecycle.state();
  }

  @Override
  public Future<Void> drain() {
    String deployment;
    synchronized (lock) {
      if (drainPromise != null) {
        return drainPromise.future();
      }
      drainPromise = Promise.promise();
      deployment = deploymentId;
    }
    lifecycle.state(ServerState.DRAINING);
    long graceNanos = options.drainGrace().toNanos();
    long deadline = System.nanoTime() + graceNanos;
    LOG.info("draining: {} request(s) in flight, grace {}", lifecycle.inFlight(), options.drainGrace());
    vertx.setPeriodic(DRAIN_POLL_MS, DRAIN_POLL_MS, timer -> {
      if (lifecycle.inFlight() > 0 && System.nanoTime() < deadline) {
        return;
      }
      vertx.cancelTimer(timer);
      if (lifecycle.inFlight() > 0) {
        LOG.warn("drain grace {} over with {} request(s) still in flight; closing anyway",
            options.drainGrace(), lifecycle.inFlight());
      }
      Future<Void> undeployed = deployment == null ? Future.succeededFuture()
          : vertx.undeploy(deployment).recover(e -> Future.succeededFuture());
      undeployed.compose(v -> closePools(Duration.ofNanos(Math.max(0, deadline - System.nanoTime()))))
          .compose(v -> runClosers())
          .compose(v -> caches.close().recover(e -> Future.succeededFuture()))
          .onComplete(ar -> {
            lifecycle.state(ServerState.STOPPED);
            LOG.info("drained");
            drainPromise.tryComplete();
          });
    });
    return drainPromise.future();
  }

  private Future<Void> runClosers() {
    Future<Void> chain = Future.succeededFuture();
    for (Supplier<Future<?>> closer : closers) {
      chain = chain.compose(v -> {
        Future<?> f;
        try {
          f = closer.get();
        } catch (RuntimeException e) {
          f = Future.failedFuture(e);
        }
        return f.<Void>mapEmpty().recover(e -> {
          LOG.warn("closing a resource at drain failed", e);
          return Future.succeededFuture();
        });
      });
    }
    return chain;
  }

  @Override
  public BulwarkServer onDrained(Supplier<Future<?>> closer) {
    closers.add(java.util.Objects.requireNonNull(closer, "closer"));
    return this;
  }

  private Future<Void> closePools(Duration grace) {
    List<Future<Void>> closing = new ArrayList<>();
    for (WorkerPool p : pools.values()) {
      closing.add(p.close(grace));
    }
    return Future.join(closing).mapEmpty();
  }

  @Override
  public WorkerPool pool(String name) {
    WorkerPool p = pools.get(name);
    if (p == null) {
      throw new IllegalArgumentException("no worker pool named '" + name + "' (configured: "
          + pools.keySet() + ")");
    }
    return p;
  }

  @Override
  public CacheManager cacheManager() {
    return caches;
  }

  private static CacheOptions withRegistry(CacheOptions o, PrometheusMeterRegistry registry) {
    if (o.meterRegistry() != null) {
      return o;
    }
    CacheOptions.Builder b = CacheOptions.builder()
        .redisTimeout(o.redisTimeout())
        .breakerFailureThreshold(o.breakerFailureThreshold())
        .breakerOpenDuration(o.breakerOpenDuration())
        .leaseTime(o.leaseTime())
        .maxLeaderWait(o.maxLeaderWait())
        .localMaximumSize(o.localMaximumSize())
        .ticker(o.ticker())
        .meterRegistry(registry);
    if (o.redisUrl() != null) {
      b.redisUrl(o.redisUrl());
    }
    return b.build();
  }

  @Override
  public PrometheusMeterRegistry meterRegistry() {
    return registry;
  }

  @Override
  public BulwarkServer exitOnSignal() {
    SignalExit.install(this, vertx, options.drainGrace());
    return this;
  }
}
