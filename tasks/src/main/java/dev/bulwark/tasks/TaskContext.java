package dev.bulwark.tasks;

/**
 * What a handler knows about the attempt it runs. Thread-safe: the handler may pass it to other
 * threads.
 */
public interface TaskContext {

  /** The task id, stable across attempts: a good unique key for the task's effect. */
  String id();

  /** The task type. */
  String type();

  /** This attempt's number, from 1; above 1 the task ran before (and may have had an effect). */
  int attempt();

  /**
   * The idempotency key given at submit, or null. With the id, the key that makes the effect
   * happen once: commit it together with the effect (for example {@code INSERT ... ON CONFLICT
   * DO NOTHING}).
   */
  String idempotencyKey();

  /**
   * Whether the handler should stop: the task was cancelled, its time limit passed, or the queue
   * is closing past its grace period. Cheap; poll it in loops.
   */
  boolean cancelled();

  /**
   * Reports progress, visible in {@link TaskStatus#progress()}; best effort (stored
   * asynchronously, later reports win).
   *
   * @param fraction 0 to 1
   * @param message a short human message, or null
   * @throws IllegalArgumentException if {@code fraction} is not within 0 to 1
   */
  void progress(double fraction, String message);
}
