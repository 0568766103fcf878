package dev.bulwark.tasks.impl;

import io.vertx.core.Future;
import java.util.List;
import java.util.Map;

/**
 * Where tasks are stored: in this JVM ({@link MemoryBackend}) or in Redis ({@link RedisBackend}).
 * Every method is asynchronous and thread-safe; futures may complete on any thread (the queue
 * moves results to the caller's context). Times are epoch milliseconds of the queue's
 * {@link TaskClock}. A claimed task is identified by its {@link Claimed#lease()}: every call that
 * finishes it checks the lease, so a worker that lost its claim cannot overwrite the outcome of
 * the worker that took over.
 */
interface Backend {

  /** Cancel outcome: the task is not known. */
  int CANCEL_UNKNOWN = 0;
  /** Cancel outcome: it was waiting and is now cancelled. */
  int CANCEL_DONE = 1;
  /** Cancel outcome: it runs; its worker was asked to stop. */
  int CANCEL_REQUESTED = 2;
  /** Cancel outcome: it was already final. */
  int CANCEL_FINAL = 3;

  /** Heartbeat outcome: the claim is no longer this worker's. */
  int HEARTBEAT_LOST = 0;
  /** Heartbeat outcome: renewed. */
  int HEARTBEAT_OK = 1;
  /** Heartbeat outcome: renewed, and a cancel was requested. */
  int HEARTBEAT_CANCEL = 2;

  /** "in-process" or "redis". */
  String kind();

  Future<Void> start();

  /**
   * Stores a new task and queues it (or delays it until {@code dueMs}).
   *
   * @return the id, or the first task's id when the idempotency key is known; failed with
   *     {@link dev.bulwark.tasks.QueueFullException} at the bound
   */
  Future<String> submit(NewTask task);

  /** The stored fields of a task (see {@link Fields}), or null when unknown or expired. */
  Future<Map<String, String>> get(String id, long nowMs);

  /** One of the {@code CANCEL_*} outcomes. */
  Future<Integer> cancel(String id, long nowMs);

  /**
   * Claims up to {@code max} tasks for this worker: first moves due delayed tasks to the queue.
   * With {@code replayOwn} it returns the tasks this consumer held when it stopped instead of new
   * ones (Redis {@code XREADGROUP ... 0}).
   */
  Future<List<Claimed>> claim(int max, boolean replayOwn, long nowMs);

  /** Takes over up to {@code max} tasks whose claim was not renewed for the visibility timeout. */
  Future<List<Claimed>> reclaim(int max, long nowMs);

  /** Renews the claims; one {@code HEARTBEAT_*} outcome per task, in order. */
  Future<List<Integer>> heartbeat(List<Claimed> tasks, long nowMs);

  /** Stores the result and acknowledges; false when the lease was lost. */
  Future<Boolean> succeed(Claimed task, String resultJson, long nowMs);

  /**
   * Records a failed attempt and acknowledges: the task waits until {@code retryAtMs}, or, with
   * {@code retryAtMs < 0}, goes to the dead-letter list. False when the lease was lost.
   */
  Future<Boolean> fail(Claimed task, String error, long retryAtMs, long nowMs);

  /** Ends a running task as cancelled and acknowledges; false when the lease was lost. */
  Future<Boolean> cancelled(Claimed task, long nowMs);

  /** Gives a claimed task back to the queue, uncounted (drain); false when the lease was lost. */
  Future<Boolean> release(Claimed task, long nowMs);

  /** Stores progress; best effort. */
  Future<Void> progress(Claimed task, double fraction, String message);

  /** Up to {@code limit} dead tasks' fields, newest first. */
  Future<List<Map<String, String>>> deadLetters(int limit, long nowMs);

  Future<Boolean> retryDead(String id, long nowMs);

  Future<Boolean> discardDead(String id);

  /** {@code [depth, oldestWaitingAgeMs or -1]}. */
  Future<long[]> stats(long nowMs);

  /**
   * Calls {@code wake} (on any thread) whenever tasks may have become ready, also when another
   * instance queued them, so that an idle worker need not wait for its next poll. Best effort: a
   * missed call costs at most a poll interval. The in-process store has no other instance and
   * never calls it.
   */
  default Future<Void> listen(Runnable wake) {
    return Future.succeededFuture();
  }

  /** Succeeds when the store answers. */
  Future<Void> ping();

  Future<Void> close();

  /**
   * A task to store. {@code dueMs <= nowMs} means now; {@code idempotencyKey} may be null;
   * {@code traceparent} is the W3C trace context of its submit span, null when untraced.
   */
  record NewTask(String id, String type, String payload, int maxAttempts, long timeLimitMs,
      long nowMs, long dueMs, String idempotencyKey, String traceparent) {
  }

  /**
   * A task claimed by this worker for one attempt.
   *
   * @param lease the claim's token, checked by every call that finishes the attempt
   * @param ref the backend's handle (the Redis stream entry id)
   * @param readyAtMs when it became ready to run (for the queue-wait timer)
   * @param cancelRequested whether a cancel was asked before the claim
   * @param traceparent the trace context its submitter stored, or null
   */
  record Claimed(String id, String type, String payload, int attempt, int maxAttempts,
      long timeLimitMs, long createdAtMs, long readyAtMs, String idempotencyKey, String lease,
      String ref, boolean cancelRequested, String traceparent) {
  }
}
