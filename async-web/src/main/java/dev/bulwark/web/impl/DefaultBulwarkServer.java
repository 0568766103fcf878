package dev.bulwark.web.impl;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bulwark.cache.CacheManager;
import dev.bulwark.cache.CacheOptions;
import dev.bulwark.core.WorkerPool;
import dev.bulwark.web.BulwarkServer;
import dev.bulwark.web.NetTransport;
import dev.bulwark.web.ServerOptions;
import dev.bulwark.web.ServerState;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
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
 * count, open streams), the connection count and the worker pools, all thread-safe. Drain, in
 * order: DRAINING at once ({@code /ready} 503) and the {@link #onDraining} actions start (task
 * workers stop claiming); after the drain delay, new requests are refused and the listening
 * sockets close ({@code HttpServer.shutdown}); a 10 ms timer waits until nothing is in flight or
 * the grace is over, then ends open streams at an item boundary; the verticles are undeployed
 * (closing what is left), the pools close with what remains of the grace, the drain actions are
 * awaited, the {@link #onDrained} closers run, the cache manager closes, then STOPPED. A drain
 * during start waits for the deployment and undeploys it; a start that fails releases the pools
 * and the cache manager. Meters: the request timers are removed at the drain's end (the pools
 * and the cache manager remove theirs as they close); the JVM binders exist only in the server's
 * own registry, whose GC listener the drain closes.
 */
public final class DefaultBulwarkServer implements BulwarkServer {

  private static final Logger LOG = LoggerFactory.getLogger(DefaultBulwarkServer.class);
  private static final long DRAIN_POLL_MS = 10;
  /** After the grace, how long streams ended at an item boundary get to send their last bytes. */
  private static final Duration STREAM_END_MARGIN = Duration.ofSeconds(1);

  private final Vertx vertx;
  private final ServerOptions options;
  private final MeterRegistry registry;
  private final HttpMetrics httpMetrics;
  /** Bound only in the server's own registry; null with an application's registry. */
  private final JvmGcMetrics gcMetrics;
  private final Map<String, WorkerPool> pools = new LinkedHashMap<>();
  private final Lifecycle lifecycle = new Lifecycle();
  private final RoutePlanner planner;
  private final CacheManager caches;
  private final AtomicInteger connections = new AtomicInteger();
  private final Object lock = new Object();
  private boolean started;
  private volatile int port = -1;
  /** The server verticles' deployment, once start() began; its value is the deployment id. */
  private Future<String> deployment;
  private Promise<Void> drainPromise;
  private final List<HttpServer> servers = new CopyOnWriteArrayList<>();
  private final List<Supplier<Future<?>>> draining = new CopyOnWriteArrayList<>();
  private final List<Supplier<Future<?>>> closers = new CopyOnWriteArrayList<>();
  private final List<java.util.function.Consumer<io.vertx.ext.web.Router>> mounts = new CopyOnWriteArrayList<>();

  /**
   * A server on the application's {@code registry}, or, when it is null, on a Prometheus registry
   * of its own with the JVM and process meters bound.
   */
  public static BulwarkServer create(Vertx vertx, ServerOptions options, MeterRegistry registry) {
    return new DefaultBulwarkServer(vertx, options, registry);
  }

  private DefaultBulwarkServer(Vertx vertx, ServerOptions options, MeterRegistry given) {
    this.vertx = vertx;
    this.options = options;
    if (given == null) {
      registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      gcMetrics = new JvmGcMetrics();
      new ClassLoaderMetrics().bindTo(registry);
      new JvmMemoryMetrics().bindTo(registry);
      gcMetrics.bindTo(registry);
      new JvmThreadMetrics().bindTo(registry);
      new ProcessorMetrics().bindTo(registry);
      new UptimeMetrics().bindTo(registry);
    } else {
      registry = given;
      gcMetrics = null;
    }
    this.httpMetrics = new HttpMetrics(registry);
    options.workerPools().forEach((name, configurer) -> {
      WorkerPool.Builder b = WorkerPool.builder().name(name);
      configurer.accept(b);
      pools.put(name, b.meterRegistry(registry).build());
    });
    CacheOptions cacheOptions = options.cache().meterRegistry() != null ? options.cache()
        : options.cache().toBuilder().meterRegistry(registry).build();
    this.caches = CacheManager.create(vertx, cacheOptions);
    ObjectMapper mapper = Jackson.mapper();
    this.planner = new RoutePlanner(mapper, pools, httpMetrics, caches,
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
    Promise<String> deployed = Promise.promise();
    synchronized (lock) {
      if (started) {
        return Future.failedFuture(new IllegalStateException("start() was called already"));
      }
      if (drainPromise != null) {
        return Future.failedFuture(new IllegalStateException("the server was drained before start()"));
      }
      started = true;
      deployment = deployed.future();
      routes = planner.routes();
    }
    PrometheusMeterRegistry prometheus = Probes.prometheusIn(registry);
    if (prometheus == null) {
      LOG.info("/metrics is not served: the meter registry ({}) is no PrometheusMeterRegistry and"
          + " holds none", registry.getClass().getName());
    }
    ServerVerticle.Shared shared = new ServerVerticle.Shared(routes, options, lifecycle,
        new Probes(lifecycle, prometheus, httpMetrics), httpMetrics, connections, httpOptions(),
        this::listening, List.copyOf(mounts));
    // Several instances on port 0 would each get their own random port; a negative port is
    // Vert.x's way of sharing one random port between them.
    int listenPort = options.port() == 0 && options.eventLoops() > 1 ? -1 : options.port();
    DeploymentOptions instances = new DeploymentOptions().setInstances(options.eventLoops());
    Future<Void> warm = options.warmUp() == null ? Future.succeededFuture()
        : WarmUpRun.run(vertx, shared, options.warmUp());
    warm.compose(v -> vertx.deployVerticle(() -> new ServerVerticle(shared, listenPort), instances))
        .onComplete(deployed);
    return deployed.future().transform(ar -> {
      if (ar.failed()) {
        releaseAfterFailedStart(ar.cause());
        return Future.failedFuture(ar.cause());
      }
      if (!lifecycle.ready()) {
        // drain() came first: it undeploys what was just deployed (it waits for the deployment).
        return Future.failedFuture(new IllegalStateException("drain() was called during start()"));
      }
      LOG.info("listening on {}:{} with {} event loop(s) on {}, routes {}", options.host(), port,
          options.eventLoops(), NetTransport.nameOf(vertx), describe(routes));
      return Future.succeededFuture((BulwarkServer) this);
    });
  }

  /**
   * A start that failed (port taken, a verticle that failed) leaves nothing running: the worker
   * pools and the cache manager (its Redis client and the ticker thread) close, the state is
   * STOPPED, and a later drain completes at once. Resources added with {@link #onDrained} are the
   * caller's: it knows the start failed.
   */
  private void releaseAfterFailedStart(Throwable cause) {
    LOG.warn("start failed, releasing the server's pools and caches: {}", cause.toString());
    lifecycle.stopped();
    closePools(Duration.ZERO);
    caches.close();
    releaseMeters();
  }

  /** The request timers leave the registry, and the own registry's GC listener is closed. */
  private void releaseMeters() {
    httpMetrics.close();
    if (gcMetrics != null) {
      gcMetrics.close();
    }
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
    if (!options.idleTimeout().isZero()) {
      // Whole milliseconds up to Integer.MAX_VALUE, as ServerOptions checks: exact, not rounded.
      o.setIdleTimeout((int) options.idleTimeout().toMillis())
          .setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
    }
    return o;
  }

  private void listening(HttpServer server) {
    port = server.actualPort();
    servers.add(server);
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
    Future<String> deployed;
    synchronized (lock) {
      if (drainPromise != null) {
        return drainPromise.future();
      }
      drainPromise = Promise.promise();
      deployed = deployment;
    }
    if (!lifecycle.draining()) {
      // A failed start released everything already.
      drainPromise.complete();
      return drainPromise.future();
    }
    long deadline = System.nanoTime() + options.drainGrace().toNanos();
    LOG.info("draining: {} request(s) in flight, delay {}, grace {}", lifecycle.inFlight(),
        options.drainDelay(), options.drainGrace());
    // Task workers and the like stop claiming now, not after the HTTP grace.
    List<Future<?>> drainers = new ArrayList<>();
    for (Supplier<Future<?>> d : draining) {
      drainers.add(call(d));
    }
    Future<Void> delayed;
    // The delay lets load balancers see /ready fail before connections are refused: a server
    // never started (a shop whose start failed before it) has nobody to tell, and skips it.
    if (options.drainDelay().isZero() || deployed == null) {
      lifecycle.refuse();
      delayed = Future.succeededFuture();
    } else {
      delayed = vertx.timer(options.drainDelay().toMillis()).map(t -> {
        lifecycle.refuse();
        return null;
      });
    }
    // A drain during start waits for the deployment, so its verticles are undeployed too.
    Future<String> id = (deployed == null ? Future.<String>succeededFuture() : deployed)
        .recover(e -> Future.succeededFuture());
    delayed.compose(v -> id).compose(deploymentId -> {
      stopAccepting(deadline);
      return inFlightDone(deadline).map(deploymentId);
    }).compose(deploymentId -> deploymentId == null ? Future.<Void>succeededFuture()
        : vertx.undeploy(deploymentId).recover(e -> Future.succeededFuture()))
        .compose(v -> closePools(Duration.ofNanos(Math.max(0, deadline - System.nanoTime()))))
        .compose(v -> Future.join(drainers).<Void>mapEmpty().recover(e -> {
          LOG.warn("a drain action failed", e);
          return Future.succeededFuture();
        }))
        .compose(v -> runClosers())
        .compose(v -> caches.close().recover(e -> Future.succeededFuture()))
        .onComplete(ar -> {
          releaseMeters();
          lifecycle.stopped();
          LOG.info("drained");
          drainPromise.tryComplete();
        });
    return drainPromise.future();
  }

  /**
   * Closes the listening sockets ({@code HttpServer.shutdown}): connections are refused from now
   * on, idle keep-alive connections close, and a connection with a request in flight closes once
   * its response is written (new requests on it meanwhile get the drain's 503). The timeout only
   * bounds the wait; the undeploy after the grace closes whatever is left.
   */
  private void stopAccepting(long deadline) {
    long remaining = Math.max(0, deadline - System.nanoTime()) + STREAM_END_MARGIN.toNanos();
    for (HttpServer s : servers) {
      s.shutdown(remaining, TimeUnit.NANOSECONDS);
    }
    servers.clear();
  }

  /**
   * Completes when no request is in flight or at the grace's end. Streams still open then are
   * ended at an item boundary ({@link Lifecycle#endStreams}) and given {@link #STREAM_END_MARGIN}
   * to send their last bytes.
   */
  private Future<Void> inFlightDone(long deadline) {
    Promise<Void> done = Promise.promise();
    poll(deadline, new long[] {0}, done);
    return done.future();
  }

  /**
   * One poll of {@link #inFlightDone}, each scheduled by the one before: a one-shot timer, not a
   * periodic one cancelled from its own handler, which Vert.x can fail to cancel (and throw) when
   * a loaded machine fires it before {@code setPeriodic} has returned on the calling thread.
   */
  private void poll(long deadline, long[] streamsEndedAt, Promise<Void> done) {
    vertx.setTimer(DRAIN_POLL_MS, timer -> {
      long now = System.nanoTime();
      if (lifecycle.inFlight() == 0) {
        done.complete();
        return;
      }
      if (now < deadline) {
        poll(deadline, streamsEndedAt, done);
        return;
      }
      if (streamsEndedAt[0] == 0) {
        streamsEndedAt[0] = now;
        int ended = lifecycle.endStreams();
        LOG.warn("drain grace {} over with {} request(s) in flight; ended {} stream(s) at an item boundary",
            options.drainGrace(), lifecycle.inFlight(), ended);
        if (ended > 0) {
          poll(deadline, streamsEndedAt, done);
          return;
        }
      } else if (now - streamsEndedAt[0] < STREAM_END_MARGIN.toNanos()) {
        poll(deadline, streamsEndedAt, done);
        return;
      }
      LOG.warn("closing {} request(s) still in flight", lifecycle.inFlight());
      done.complete();
    });
  }

  private static Future<?> call(Supplier<Future<?>> action) {
    try {
      return action.get();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  private Future<Void> runClosers() {
    Future<Void> chain = Future.succeededFuture();
    for (Supplier<Future<?>> closer : closers) {
      chain = chain.compose(v -> {
        Future<?> f = call(closer);
        return f.<Void>mapEmpty().recover(e -> {
          LOG.warn("closing a resource at drain failed", e);
          return Future.succeededFuture();
        });
      });
    }
    return chain;
  }

  @Override
  public BulwarkServer onDraining(Supplier<Future<?>> action) {
    draining.add(java.util.Objects.requireNonNull(action, "action"));
    return this;
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

  @Override
  public MeterRegistry meterRegistry() {
    return registry;
  }

  @Override
  public BulwarkServer exitOnSignal() {
    SignalExit.install(this, vertx, options.drainGrace());
    return this;
  }
}
