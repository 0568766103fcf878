package dev.bulwark.tasks;

import io.vertx.core.Future;

/**
 * Non-blocking task code. It is called on an event loop of the queue's Vert.x instance and must
 * not block; the attempt ends when the returned future completes.
 *
 * <p>A handler may be called concurrently for different tasks (on different event loops), so it
 * must be thread-safe.
 *
 * @param <P> the payload type, decoded from JSON with Jackson
 * @param <R> the result type, encoded to JSON with Jackson (may be {@code Void})
 */
@FunctionalInterface
public interface AsyncTaskHandler<P, R> {

  /**
   * Starts one attempt of a task.
   *
   * @return a future with the result (stored as JSON) or the failure (retried with backoff until
   *     {@code maxAttempts}); a handler that throws fails the attempt the same way
   */
  Future<R> run(P payload, TaskContext ctx);
}
