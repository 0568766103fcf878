package dev.bulwark.tasks;

/**
 * The health of a {@link TaskQueue} as {@link TaskQueue#health()} saw it. Immutable and thread-safe.
 *
 * @param healthy whether the store answers and, when this instance runs workers, its worker loop
 *     has polled recently
 * @param backend {@code "in-process"} or {@code "redis"}
 * @param storeReachable whether the store (Redis) answered a ping; always true in-process
 * @param workersAlive whether this instance's worker loop runs and polled recently; true when it
 *     runs no workers by configuration
 * @param detail one human line explaining the state
 */
public record TaskQueueHealth(boolean healthy, String backend, boolean storeReachable,
    boolean workersAlive, String detail) {
}
