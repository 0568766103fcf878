package dev.bulwark.tasks;

import dev.bulwark.core.internal.OptionChecks;
import java.time.Duration;
import java.time.Instant;

/**
 * Per-task options of {@link TaskQueue#submit(String, Object, SubmitOptions)}; each unset option
 * takes the queue's default. Immutable and thread-safe; the builder is not thread-safe.
 */
public final class SubmitOptions {

  /** No per-task options: the queue's defaults, run as soon as a worker is free. */
  public static final SubmitOptions DEFAULTS = builder().build();

  private final String idempotencyKey;
  private final Duration delay;
  private final Instant notBefore;
  private final int maxAttempts;
  private final Duration timeLimit;

  private SubmitOptions(Builder b) {
    this.idempotencyKey = b.idempotencyKey;
    this.delay = b.delay;
    this.notBefore = b.notBefore;
    this.maxAttempts = b.maxAttempts;
    this.timeLimit = b.timeLimit;
  }

  /** Starts a builder with every option unset. */
  public static Builder builder() {
    return new Builder();
  }

  /** The idempotency key, or null. */
  public String idempotencyKey() {
    return idempotencyKey;
  }

  /** The delay before the task may run, or null. */
  public Duration delay() {
    return delay;
  }

  /** The earliest time the task may run, or null. */
  public Instant notBefore() {
    return notBefore;
  }

  /** Attempts before the task is dead-lettered, or 0 for the queue's {@code maxAttempts}. */
  public int maxAttempts() {
    return maxAttempts;
  }

  /** The time limit of each attempt, or null for the queue's {@code timeLimit}. */
  public Duration timeLimit() {
    return timeLimit;
  }

  /** Builder for {@link SubmitOptions}; setters validate their value. Not thread-safe. */
  public static final class Builder {
    private String idempotencyKey;
    private Duration delay;
    private Instant notBefore;
    private int maxAttempts;
    private Duration timeLimit;

    private Builder() {
    }

    /**
     * A key that makes the submit idempotent: while the first task with this key is remembered
     * (until its result expires), a submit with the same key returns the first task's id and
     * queues nothing. 1-200 characters.
     */
    public Builder idempotencyKey(String key) {
      if (key == null || key.isEmpty() || key.length() > 200) {
        throw new IllegalArgumentException("idempotencyKey must be 1-200 characters, but was "
            + (key == null ? "null" : key.length() + " characters"));
      }
      this.idempotencyKey = key;
      return this;
    }

    /** Runs the task no sooner than {@code delay} from the submit. Conflicts with notBefore. */
    public Builder delay(Duration delay) {
      OptionChecks.zeroOrWholeMillis("delay", delay);
      if (notBefore != null) {
        throw new IllegalStateException("delay and notBefore exclude each other; notBefore is "
            + notBefore);
      }
      this.delay = delay;
      return this;
    }

    /** Runs the task no sooner than {@code notBefore} (wall clock). Conflicts with delay. */
    public Builder notBefore(Instant notBefore) {
      if (notBefore == null) {
        throw new IllegalArgumentException("notBefore must not be null");
      }
      if (delay != null) {
        throw new IllegalStateException("delay and notBefore exclude each other; delay is " + delay);
      }
      this.notBefore = notBefore;
      return this;
    }

    /** Attempts before the task goes to the dead-letter list (>= 1). */
    public Builder maxAttempts(int maxAttempts) {
      if (maxAttempts < 1) {
        throw new IllegalArgumentException("maxAttempts must be >= 1, but was " + maxAttempts);
      }
      this.maxAttempts = maxAttempts;
      return this;
    }

    /**
     * How long one attempt may run (> 0). Past it the attempt fails, its slot is freed, and the
     * handler sees {@link TaskContext#cancelled()} (a blocking handler's thread is interrupted).
     */
    public Builder timeLimit(Duration timeLimit) {
      this.timeLimit = OptionChecks.wholeMillis("timeLimit", timeLimit);
      return this;
    }

    /** Builds the options. */
    public SubmitOptions build() {
      return new SubmitOptions(this);
    }
  }
}
