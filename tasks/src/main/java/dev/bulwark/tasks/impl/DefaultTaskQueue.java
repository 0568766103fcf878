package dev.bulwark.tasks.impl;

import dev.bulwark.core.Durations;
import dev.bulwark.core.internal.TraceSpan;
import dev.bulwark.tasks.AsyncTaskHandler;
import dev.bulwark.tasks.SubmitOptions;
import dev.bulwark.tasks.TaskHandler;
import dev.bulwark.tasks.TaskQueue;
import dev.bulwark.tasks.TaskQueueHealth;
import dev.bulwark.tasks.TaskQueueOptions;
import dev.bulwark.tasks.TaskStatus;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link TaskQueue}: the client side (submit, status, cancel, dead letters) over a
 * {@link Backend}, plus {@link Workers} and a {@link CronScheduler} when this instance runs
 * workers.
 *
 * <p>Implementation note: the queue owns one event-loop context, on which its workers, timers and
 * async handlers run. Client calls may come from any thread; each captures the caller's context
 * and completes its future there. Handlers are in a concurrent map and may be registered at any
 * time. Gauges read {@code stats}, refreshed from the backend every second (one Redis script), so
 * a scrape never waits for Redis.
 *
 * <p>Thread-safe.
 */
public final class DefaultTaskQueue implements TaskQueue {

  private static final Logger LOG = LoggerFactory.getLogger(DefaultTaskQueue.class);
  /** Compiled once: {@code String.matches} would compile it again on every submit. */
  private static final Pattern TYPE_PATTERN = Pattern.compile("[A-Za-z0-9_.:-]{1,100}");

  private final VertxInternal vertx;
  private final TaskQueueOptions options;
  private final ContextInternal ctx;
  private final Backend backend;
  private final TaskClock clock;
  private final PayloadCodec codec = new PayloadCodec();
  private final TaskMetrics metrics;
  private final Map<String, Registration> handlers = new ConcurrentHashMap<>();
  private final Workers workers;
  private final CronScheduler cron;
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean closing = new AtomicBoolean();
  private final Promise<Void> startPromise = Promise.promise();
  private final Promise<Void> closePromise = Promise.promise();
  private volatile long[] stats = {0, -1};
  private volatile long statsTimer = -1;

  public DefaultTaskQueue(Vertx vertx, TaskQueueOptions options) {
    this.vertx = (VertxInternal) Objects.requireNonNull(vertx, "vertx");
    this.options = Objects.requireNonNull(options, "options");
    this.ctx = this.vertx.createEventLoopContext();
    this.clock = new TaskClock(options.ticker());
    this.backend = options.usesRedis() ? new RedisBackend(vertx, options)
        : new MemoryBackend(options.name(), options.maxQueued(), options.resultTtl(), options.deadLetterTtl());
    this.metrics = new TaskMetrics(options.meterRegistry(), options.name(), () -> stats[0],
        () -> stats[1] < 0 ? 0 : stats[1] / 1000.0, this::runningHere);
    this.workers = options.runWorkers()
        ? new Workers(vertx, ctx, options, backend, clock, codec, metrics, handlers::get) : null;
    this.cron = new CronScheduler(vertx, clock, (type, json, key) -> store(type, json,
        SubmitOptions.builder().idempotencyKey(key).build()));
  }

  @Override
  public String name() {
    return options.name();
  }

  @Override
  public TaskQueueOptions options() {
    return options;
  }

  @Override
  public <P, R> TaskQueue register(String type, Class<P> payloadType, TaskHandler<P, R> handler) {
    Objects.requireNonNull(handler, "handler");
    return add(Registration.blocking(checkType(type), Objects.requireNonNull(payloadType, "payloadType"),
        handler));
  }

  @Override
  public <P, R> TaskQueue registerAsync(String type, Class<P> payloadType, AsyncTaskHandler<P, R> handler) {
    Objects.requireNonNull(handler, "handler");
    return add(Registration.async(checkType(type), Objects.requireNonNull(payloadType, "payloadType"),
        handler));
  }

  private TaskQueue add(Registration r) {
    if (handlers.putIfAbsent(r.type(), r) != null) {
      throw new IllegalStateException("task type '" + r.type() + "' has a handler already in queue '"
          + options.name() + "'");
    }
    return this;
  }

  @Override
  public TaskQueue schedule(String name, String cronExpression, String type, Object payload) {
    cron.add(name, cronExpression, checkType(type), encodeChecked(type, payload));
    return this;
  }

  @Override
  public Future<Void> start() {
    ContextInternal caller = vertx.getOrCreateContext();
    if (started.compareAndSet(false, true)) {
      backend.start().onComplete(ar -> {
        if (ar.failed()) {
          startPromise.fail(ar.cause());
          return;
        }
        // On the queue's context, so that a close() (whose clean-up runs there after the drain)
        // always comes after this and cancels what it arms.
        ctx.runOnContext(v -> {
          if (!closing.get()) {
            refreshStats();
            statsTimer = vertx.setPeriodic(1000, id -> refreshStats());
            if (workers != null) {
              workers.start();
              cron.start();
              // Started means listening: a task submitted elsewhere right after start() wakes us.
              backend.listen(workers::wake).onComplete(listening -> {
                if (listening.failed()) {
                  LOG.warn("task queue '{}': cannot subscribe to ready-task notices ({}); idle"
                      + " workers poll every {}", options.name(), listening.cause().getMessage(),
                      Durations.format(options.pollInterval()));
                }
                startPromise.complete();
              });
              return;
            }
          }
          startPromise.complete();
        });
      });
    }
    return toCaller(caller, startPromise.future());
  }

  @Override
  public Future<String> submit(String type, Object payload) {
    return submit(type, payload, SubmitOptions.DEFAULTS);
  }

  @Override
  public Future<String> submit(String type, Object payload, SubmitOptions submitOptions) {
    ContextInternal caller = vertx.getOrCreateContext();
    if (closing.get()) {
      return caller.failedFuture(new IllegalStateException("task queue '" + options.name() + "' is closed"));
    }
    String json;
    try {
      checkType(type);
      Objects.requireNonNull(submitOptions, "options");
      json = encodeChecked(type, payload);
    } catch (IllegalArgumentException | NullPointerException e) {
      return caller.failedFuture(e);
    }
    return toCaller(caller, store(type, json, submitOptions));
  }

  private Future<String> store(String type, String json, SubmitOptions o) {
    long now = clock.nowMillis();
    long due = o.delay() != null ? now + o.delay().toMillis()
        : o.notBefore() != null ? o.notBefore().toEpochMilli() : now;
    int max = o.maxAttempts() > 0 ? o.maxAttempts() : options.maxAttempts();
    long limit = o.timeLimit() != null ? o.timeLimit().toMillis() : 0;
    String id = UUID.randomUUID().toString();
    TraceSpan span = TaskTracing.submit(options.name(), type, id);
    return backend.submit(new Backend.NewTask(id, type, json, max, limit, now, due, o.idempotencyKey(),
            span == null ? null : span.traceparent()))
        .onComplete(ar -> TaskTracing.end(span, ar.cause()))
        .onSuccess(stored -> {
          if (stored.equals(id)) {
            metrics.submitted(type);
            if (workers != null && due <= now) {
              workers.wake();
            }
          }
        });
  }

  /** Encodes the payload and, when the type is registered here, checks it decodes to the payload type. */
  private String encodeChecked(String type, Object payload) {
    String json = codec.encode(type, payload);
    Registration r = handlers.get(type);
    if (r != null && (payload == null || !r.payloadType().isInstance(payload))) {
      codec.decode(type, json, r.payloadType());
    }
    return json;
  }

  @Override
  public Future<Optional<TaskStatus>> status(String id) {
    ContextInternal caller = vertx.getOrCreateContext();
    Objects.requireNonNull(id, "id");
    return toCaller(caller, backend.get(id, clock.nowMillis()).map(f -> f == null ? Optional.empty()
        : Optional.of(Fields.toStatus(id, f, codec::decodeResult))));
  }

  @Override
  public Future<Boolean> cancel(String id) {
    ContextInternal caller = vertx.getOrCreateContext();
    Objects.requireNonNull(id, "id");
    return toCaller(caller, backend.cancel(id, clock.nowMillis()).map(outcome -> {
      if (outcome == Backend.CANCEL_REQUESTED && workers != null) {
        workers.cancelLocal(id);
      }
      return outcome != Backend.CANCEL_UNKNOWN;
    }));
  }

  @Override
  public Future<List<TaskStatus>> deadLetters(int limit) {
    ContextInternal caller = vertx.getOrCreateContext();
    if (limit < 1) {
      return caller.failedFuture(new IllegalArgumentException("limit must be >= 1, but was " + limit));
    }
    return toCaller(caller, backend.deadLetters(limit, clock.nowMillis()).map(rows -> {
      List<TaskStatus> out = new ArrayList<>(rows.size());
      for (Map<String, String> f : rows) {
        out.add(Fields.toStatus(f.get(Fields.ID), f, codec::decodeResult));
      }
      return out;
    }));
  }

  @Override
  public Future<Boolean> retryDead(String id) {
    ContextInternal caller = vertx.getOrCreateContext();
    return toCaller(caller, backend.retryDead(Objects.requireNonNull(id, "id"), clock.nowMillis())
        .onSuccess(ok -> {
          if (ok && workers != null) {
            workers.wake();
          }
        }));
  }

  @Override
  public Future<Boolean> discardDead(String id) {
    ContextInternal caller = vertx.getOrCreateContext();
    return toCaller(caller, backend.discardDead(Objects.requireNonNull(id, "id")));
  }

  @Override
  public Future<Long> depth() {
    ContextInternal caller = vertx.getOrCreateContext();
    return toCaller(caller, backend.stats(clock.nowMillis()).map(s -> s[0]));
  }

  @Override
  public Future<TaskQueueHealth> health() {
    ContextInternal caller = vertx.getOrCreateContext();
    boolean workersAlive = workers == null || workers.alive();
    String workerLine = workers == null ? "no workers on this instance"
        : workers.alive() ? "workers running (" + workers.running() + " tasks)"
        : workers.draining() ? "workers drained" : "workers not polling";
    Future<TaskQueueHealth> h = backend.ping().transform(ar -> Future.succeededFuture(
        new TaskQueueHealth(ar.succeeded() && workersAlive, backend.kind(), ar.succeeded(), workersAlive,
            (ar.succeeded() ? backend.kind() + " store reachable" : backend.kind() + " store unreachable: "
                + ar.cause().getMessage()) + "; " + workerLine)));
    return toCaller(caller, h);
  }

  @Override
  public Future<Void> drain(Duration grace) {
    ContextInternal caller = vertx.getOrCreateContext();
    if (grace == null || grace.isNegative()) {
      return caller.failedFuture(new IllegalArgumentException("grace must be >= 0, but was " + grace));
    }
    cron.stop();
    return toCaller(caller, workers == null ? Future.succeededFuture() : workers.drain(grace));
  }

  @Override
  public Future<Void> close() {
    ContextInternal caller = vertx.getOrCreateContext();
    if (closing.compareAndSet(false, true)) {
      cron.stop();
      Future<Void> drained = workers == null ? Future.succeededFuture()
          : workers.drain(options.shutdownGrace()).compose(v -> workers.close());
      drained.eventually(() -> {
        cron.stop();
        long t = statsTimer;
        if (t != -1) {
          vertx.cancelTimer(t);
        }
        metrics.close();
        return backend.close();
      }).onComplete(closePromise);
    }
    return toCaller(caller, closePromise.future());
  }

  private void refreshStats() {
    if (closing.get()) {
      return;
    }
    backend.stats(clock.nowMillis()).onSuccess(s -> stats = s);
  }

  private static String checkType(String type) {
    if (type == null || !TYPE_PATTERN.matcher(type).matches()) {
      throw new IllegalArgumentException("type must be 1-100 letters, digits or '_.:-', but was '"
          + type + "'");
    }
    return type;
  }

  private static <T> Future<T> toCaller(ContextInternal caller, Future<T> f) {
    Promise<T> p = caller.promise();
    f.onComplete(p);
    return p.future();
  }

  private double runningHere() {
    Workers w = workers;
    return w == null ? 0 : w.running();
  }
}
