package dev.bulwark.tasks;

/**
 * Blocking task code. It runs on the queue's {@link dev.bulwark.core.WorkerPool} thread, never on
 * an event loop, and may block. It should stop early when {@link TaskContext#cancelled()} turns
 * true (the thread is also interrupted when the task's time limit passes).
 *
 * <p>A handler may be called concurrently for different tasks, so it must be thread-safe.
 *
 * @param <P> the payload type, decoded from JSON with Jackson
 * @param <R> the result type, encoded to JSON with Jackson (may be {@code Void})
 */
@FunctionalInterface
public interface TaskHandler<P, R> {

  /**
   * Runs one attempt of a task.
   *
   * @return the result, stored as JSON for {@code resultTtl}
   * @throws Exception to fail the attempt; it is retried with backoff until {@code maxAttempts}
   */
  R run(P payload, TaskContext ctx) throws Exception;
}
