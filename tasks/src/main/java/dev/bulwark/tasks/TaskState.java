package dev.bulwark.tasks;

import java.util.Locale;

/**
 * The life cycle of a task: {@code QUEUED -> RUNNING -> SUCCEEDED}, with {@code FAILED} between
 * attempts (the last attempt failed and a retry waits for its backoff), {@code DEAD} when the
 * retries are spent or the payload cannot be decoded (the task is in the dead-letter list), and
 * {@code CANCELLED}. {@link #SUCCEEDED}, {@link #DEAD} and {@link #CANCELLED} are final.
 *
 * <p>Immutable and thread-safe.
 */
public enum TaskState {
  /** Waiting for a worker (possibly until its {@code notBefore} time). */
  QUEUED,
  /** A worker runs it now. */
  RUNNING,
  /** It ran and its result is stored. Final. */
  SUCCEEDED,
  /** Its last attempt failed; a retry is scheduled after a backoff. */
  FAILED,
  /** It failed {@code maxAttempts} times or could not be decoded; kept in the dead-letter list. Final. */
  DEAD,
  /** It was cancelled before it ran, or while it ran. Final. */
  CANCELLED;

  private final String wireName = name().toLowerCase(Locale.ROOT);

  /** The lower-case name used in JSON and metrics, e.g. {@code succeeded}. */
  public String wireName() {
    return wireName;
  }

  /** Whether the state can no longer change (except by {@code retryDead} for {@link #DEAD}). */
  public boolean isFinal() {
    return this == SUCCEEDED || this == DEAD || this == CANCELLED;
  }

  /**
   * The state with the given wire name.
   *
   * @throws IllegalArgumentException if {@code wireName} names no state
   */
  public static TaskState fromWireName(String wireName) {
    for (TaskState s : values()) {
      if (s.wireName.equals(wireName)) {
        return s;
      }
    }
    throw new IllegalArgumentException("task state must be one of queued, running, succeeded, failed,"
        + " dead, cancelled, but was '" + wireName + "'");
  }
}
