package dev.bulwark.tasks;

import dev.bulwark.tasks.impl.DefaultTaskQueue;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A named queue of background tasks: {@link #submit} stores a task with a JSON payload and returns
 * its id at once; workers (on this or any instance sharing the queue) run it with retries,
 * exponential backoff with full jitter, time limits and a dead-letter list, and keep its status
 * and result for {@code resultTtl}.
 *
 * <p>Two backends share these semantics. In-process (no Redis configured): tasks live in this
 * JVM's memory, bounded by {@code maxQueued}, and are lost if the process dies. Redis (Streams with
 * a consumer group): delivery is at least once, acknowledged only after the result is stored; a
 * task whose worker died is redelivered after {@code visibilityTimeout}, while a live worker
 * renews its claim, so a task that runs longer than the visibility timeout still runs once.
 * Effects should be made idempotent with the task id or idempotency key (see the README).
 *
 * <p>Thread-safe: every method may be called from any thread. Returned futures complete on the
 * caller's Vert.x context (a new event-loop context when called off Vert.x). Blocking handlers run
 * on the queue's own {@link dev.bulwark.core.WorkerPool} ({@code tasks-<name>}); async handlers
 * run on an event loop of the queue's Vert.x instance.
 */
public interface TaskQueue {

  /**
   * Creates a queue; nothing connects or runs until {@link #start()}.
   *
   * @return an in-process queue, or a Redis-backed one when {@code options.redis()} or
   *     {@code options.redisNodes()} is set
   */
  static TaskQueue create(Vertx vertx, TaskQueueOptions options) {
    return new DefaultTaskQueue(vertx, options);
  }

  /** The queue's name. */
  String name();

  /** The options the queue was created with. */
  TaskQueueOptions options();

  /**
   * Registers a blocking handler for {@code type}; it runs on the queue's worker pool. Register
   * handlers on submit-only instances too: a submit is checked against the payload type.
   *
   * @throws IllegalStateException if {@code type} already has a handler
   * @throws IllegalArgumentException if {@code type} is not 1-100 letters, digits or {@code _.:-}
   */
  <P, R> TaskQueue register(String type, Class<P> payloadType, TaskHandler<P, R> handler);

  /**
   * Registers a non-blocking handler for {@code type}; it runs on an event loop.
   *
   * @throws IllegalStateException if {@code type} already has a handler
   * @throws IllegalArgumentException if {@code type} is not 1-100 letters, digits or {@code _.:-}
   */
  <P, R> TaskQueue registerAsync(String type, Class<P> payloadType, AsyncTaskHandler<P, R> handler);

  /**
   * Submits {@code type} with {@code payload} on every tick of {@code cron}, once per tick across
   * every instance sharing the queue (the tick is the task's idempotency key
   * {@code cron:<name>:<epochMillis>}). Ticks fire on instances that run workers, in UTC.
   *
   * @param cron six fields with seconds ({@code 0 *}{@code /5 * * * *}, Spring syntax) or five
   *     (Unix syntax, minutes)
   * @throws IllegalArgumentException if the expression does not parse, naming it, or the name is
   *     already scheduled
   */
  TaskQueue schedule(String name, String cron, String type, Object payload);

  /** Connects to the store and, when {@code runWorkers}, starts the workers and the schedules. */
  Future<Void> start();

  /** Submits a task with the queue's defaults; see {@link #submit(String, Object, SubmitOptions)}. */
  Future<String> submit(String type, Object payload);

  /**
   * Submits a task.
   *
   * @param payload an object encoded with Jackson, a {@code JsonObject}/{@code JsonArray}, or a Map
   * @return the task id; with an idempotency key already known, the first task's id (nothing new
   *     is queued). Fails with {@link QueueFullException} when {@code maxQueued} tasks wait, with
   *     {@link InvalidPayloadException} when the payload does not fit the registered payload type,
   *     and, on Redis, when the queue is not started or Redis does not answer within
   *     {@code redisTimeout}, and with {@link IllegalStateException} after {@link #close()}. The
   *     in-process queue accepts tasks before {@link #start()}.
   */
  Future<String> submit(String type, Object payload, SubmitOptions options);

  /** The task's status, or empty when it is unknown or its status expired. */
  Future<Optional<TaskStatus>> status(String id);

  /**
   * Cancels a task: a queued (or retry-waiting) task never runs; a running one sees
   * {@link TaskContext#cancelled()} (on another instance within a second) and, when its handler
   * then fails or throws, ends {@link TaskState#CANCELLED} without a retry; a handler that
   * completes anyway ends {@link TaskState#SUCCEEDED} with its result, since its effect happened.
   * A final task is left as is.
   *
   * @return false when the task is unknown, else true
   */
  Future<Boolean> cancel(String id);

  /** Up to {@code limit} dead tasks, newest first, each with its reason in {@code error()}. */
  Future<List<TaskStatus>> deadLetters(int limit);

  /** Queues a dead task again with fresh attempts; false when it is not dead. */
  Future<Boolean> retryDead(String id);

  /** Deletes a dead task and its status; false when it is not dead. */
  Future<Boolean> discardDead(String id);

  /** Waiting tasks (queued, plus delayed and retry-waiting) in the whole queue. */
  Future<Long> depth();

  /** Whether the store answers and this instance's workers run. */
  Future<TaskQueueHealth> health();

  /**
   * Stops claiming tasks; running ones may finish within {@code grace}. Those still running then
   * are told to stop ({@link TaskContext#cancelled()}) and handed back to the queue for another
   * worker (in-process: they wait in memory). Submits, status and cancel keep working.
   */
  Future<Void> drain(Duration grace);

  /**
   * Drains with {@code shutdownGrace}, then releases the worker pool, the Redis client and the
   * meters. Calling it again returns the same future.
   */
  Future<Void> close();
}
