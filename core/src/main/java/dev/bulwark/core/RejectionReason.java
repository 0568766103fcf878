package dev.bulwark.core;

/** Why a {@link WorkerPool} did not run a task. */
public enum RejectionReason {

  /**
   * Every slot was busy and the queue was at its bound: {@code maxQueue}, or with an adaptive
   * limit the lower bound for the current limit and latency (the exception's {@code maxQueue}).
   * A queued task beyond a bound that has just fallen is refused for the same reason.
   */
  QUEUE_FULL("queue full"),

  /**
   * The task's expected wait (its place in the queue times the recent mean run time divided by the
   * concurrency limit) already exceeded {@link WorkerPool#SHED_FRACTION} of {@code queueTimeout}
   * on arrival, so it was shed at once instead of timing out later.
   */
  EXPECTED_WAIT("expected wait over queue timeout"),

  /** The task waited in the queue longer than {@code queueTimeout} and was dropped before it ran. */
  QUEUE_TIMEOUT("queue timeout"),

  /**
   * The task's caller gave it up while it waited in the queue (its client went away), so it left
   * the queue without running.
   */
  CANCELLED("cancelled while queued"),

  /** The pool is closing or closed and admits nothing new. */
  SHUTTING_DOWN("shutting down");

  private final String description;

  RejectionReason(String description) {
    this.description = description;
  }

  /** A short human description, used in exception messages. */
  public String description() {
    return description;
  }

  /** The lower-case tag value used in metrics, e.g. {@code queue_full}. */
  public String tag() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
