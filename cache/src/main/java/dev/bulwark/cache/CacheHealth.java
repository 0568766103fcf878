package dev.bulwark.cache;

import java.util.Objects;

/**
 * A snapshot of a cache manager's health, for a health endpoint: {@link Status#UP} when Redis
 * answers (or none is configured), {@link Status#DEGRADED} while the breaker keeps Redis out and
 * the caches run on their local tier or on the loaders. Immutable, thread-safe.
 */
public final class CacheHealth {

  /** Overall status. */
  public enum Status {
    /** Every tier works. */
    UP,
    /** Redis is out of the path; answers still come from the local tier or the loaders. */
    DEGRADED
  }

  private final Status status;
  private final BreakerState breakerState;
  private final String detail;

  public CacheHealth(Status status, BreakerState breakerState, String detail) {
    this.status = Objects.requireNonNull(status, "status");
    this.breakerState = Objects.requireNonNull(breakerState, "breakerState");
    this.detail = Objects.requireNonNull(detail, "detail");
  }

  /** UP or DEGRADED. */
  public Status status() {
    return status;
  }

  /** The Redis breaker's state; {@link BreakerState#DISABLED} without Redis. */
  public BreakerState breakerState() {
    return breakerState;
  }

  /** A human-readable explanation, e.g. {@code redis breaker OPEN after 5 failures: timeout}. */
  public String detail() {
    return detail;
  }

  @Override
  public String toString() {
    return status + " (" + detail + ")";
  }
}
