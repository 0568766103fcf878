package dev.bulwark.web;

import dev.bulwark.core.WorkerPool;
import dev.bulwark.web.impl.DefaultBulwarkServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * An HTTP server that runs annotated handler objects on Vert.x with the threading rule: handlers
 * returning {@code Future}/{@code CompletionStage} run on the event loop, all others on a
 * {@link WorkerPool} with admission control (503 + {@code Retry-After} when it is full). It also
 * serves {@code /health}, {@code /ready} and {@code /metrics} (Prometheus), enforces the limits of
 * its {@link ServerOptions}, and drains gracefully. Every meter it registers (request timers, its
 * worker pools' and its cache manager's meters) is removed from the registry when the drain ends.
 *
 * <pre>{@code
 * BulwarkServer server = BulwarkServer.create(vertx, ServerOptions.builder().port(8080).build())
 *     .handler(new ShopHandlers());
 * server.start().await();
 * }</pre>
 *
 * <p>Thread-safe. {@link #handler} must be called before {@link #start}; futures complete on the
 * caller's context when there is one.
 */
public interface BulwarkServer {

  /**
   * A server with its own Prometheus registry, with the JVM and process meters (memory, GC,
   * threads, class loading, CPU, uptime) bound, served on {@code /metrics}.
   */
  static BulwarkServer create(Vertx vertx, ServerOptions options) {
    return DefaultBulwarkServer.create(vertx, options, null);
  }

  /**
   * A server that registers its meters in the application's {@code registry} (a Spring or
   * Micrometer application's own, for instance). It binds no JVM or process meters there: that
   * is the application's choice, and binding them twice would count GC pauses twice.
   * {@code /metrics} serves the Prometheus text format when {@code registry} is a
   * {@code PrometheusMeterRegistry} or a {@code CompositeMeterRegistry} holding one (looked up at
   * {@link #start}); otherwise {@code /metrics} is not served (as Spring Boot exposes no
   * Prometheus endpoint without a Prometheus registry): it answers the usual JSON 404, or an
   * application route of that path, and the start logs why.
   *
   * @throws NullPointerException if {@code registry} is null
   */
  static BulwarkServer create(Vertx vertx, ServerOptions options, MeterRegistry registry) {
    return DefaultBulwarkServer.create(vertx, options,
        java.util.Objects.requireNonNull(registry, "registry"));
  }

  /**
   * Binds every annotated method of {@code handler} now.
   *
   * @throws IllegalArgumentException when a declaration is wrong (the message names the method)
   * @throws IllegalStateException after {@link #start}
   */
  BulwarkServer handler(Object handler);

  /**
   * Adds routes the application mounts itself on vertx-web (such as
   * {@link StaticAssets#mountOn}) to every event loop's router, after the probes and before the
   * annotated handlers. They take the pipeline's admission stage: counted in flight (a drain
   * waits for them), refused with 503 and {@code Connection: close} while the server drains, and
   * recorded in {@code http.server.requests} under the matched route's path.
   *
   * @throws IllegalStateException after {@link #start}
   */
  BulwarkServer routes(java.util.function.Consumer<io.vertx.ext.web.Router> mount);

  /**
   * Runs the configured {@link WarmUp}, if any, then listens on the configured port with one
   * server instance per event loop; {@code /ready} answers 200 from then on. The future fails
   * when the port cannot be bound (the server then releases its worker pools and cache manager;
   * resources added with {@link #onDrained} stay the caller's) or when {@link #drain()} was
   * called meanwhile (the drain undeploys what was deployed).
   */
  Future<BulwarkServer> start();

  /** The port actually bound (useful with port 0); -1 before start. */
  int port();

  /** The current state. */
  ServerState state();

  /**
   * Drains: {@code /ready} turns 503 and the {@link #onDraining} actions start; after
   * {@link ServerOptions#drainDelay()} new requests are answered 503 with
   * {@code Connection: close} and the port stops accepting connections; in-flight requests, queued
   * worker tasks and streams finish, up to the drain grace (streams still open then end at an item
   * boundary, SSE with a {@code retry:} field); then the connections and the worker pools close,
   * the drain actions are awaited and the {@link #onDrained} closers run. Calling it again returns
   * the same future.
   */
  Future<Void> drain();

  /**
   * Adds an action started at the beginning of a drain, beside the HTTP drain, and awaited before
   * the {@link #onDrained} closers (such as a task queue's {@code drain(grace)}: its workers stop
   * claiming at once, not after the HTTP grace). A failing one is logged.
   */
  BulwarkServer onDraining(java.util.function.Supplier<Future<?>> action);

  /**
   * Adds a resource to close at the end of a drain, after the worker pools (a database pool, a
   * cache client). Closers run in the order added; a failing one is logged, the rest still run.
   */
  BulwarkServer onDrained(java.util.function.Supplier<Future<?>> closer);

  /** The worker pool of that name. @throws IllegalArgumentException if none is configured */
  WorkerPool pool(String name);

  /** The cache manager behind {@code @Cached} routes; use it for {@code Caching.decorate} too. */
  dev.bulwark.cache.CacheManager cacheManager();

  /** The registry the server's meters go to: the one given to {@link #create}, or its own. */
  MeterRegistry meterRegistry();

  /**
   * Makes SIGTERM and SIGINT drain this server, close Vert.x and exit the JVM with status 0.
   * Call once, from a {@code main} method.
   */
  BulwarkServer exitOnSignal();
}
