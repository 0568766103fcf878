package dev.bulwark.tasks;

import dev.bulwark.core.Overloaded;
import io.vertx.core.VertxException;
import java.time.Duration;

/**
 * A submit found the queue at its {@code maxQueued} bound. Expected under load, so cheap: no stack
 * trace; the message names the queue, its depth and the bound, e.g.
 * {@code reports - queue full: 10000 tasks waiting (maxQueued=10000), retry after 1s}. The web
 * layer answers it with 503 and {@code Retry-After}, as for every {@link Overloaded} failure.
 *
 * <p>Immutable and thread-safe.
 */
public final class QueueFullException extends VertxException implements Overloaded {

  private static final long serialVersionUID = 1L;

  private final String queue;
  private final long depth;
  private final long maxQueued;
  private final Duration retryAfter;

  /**
   * @param queue the queue's name
   * @param depth tasks waiting
   * @param maxQueued the bound
   * @param retryAfter the suggested delay, at least one second
   */
  public QueueFullException(String queue, long depth, long maxQueued, Duration retryAfter) {
    super(queue + " - queue full: " + depth + " tasks waiting (maxQueued=" + maxQueued
        + "), retry after " + retryAfter.toSeconds() + "s", true);
    this.queue = queue;
    this.depth = depth;
    this.maxQueued = maxQueued;
    this.retryAfter = retryAfter;
  }

  /** The queue's name. */
  public String queue() {
    return queue;
  }

  /** Tasks waiting when the submit was refused. */
  public long depth() {
    return depth;
  }

  /** The queue's bound. */
  public long maxQueued() {
    return maxQueued;
  }

  /** A suggested delay before retrying, at least one second. */
  @Override
  public Duration retryAfter() {
    return retryAfter;
  }
}
