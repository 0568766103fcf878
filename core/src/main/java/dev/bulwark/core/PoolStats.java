package dev.bulwark.core;

/**
 * A snapshot of a {@link WorkerPool}'s state. The counts are read one after another, not
 * atomically together, so under load they may disagree slightly.
 *
 * @param name pool name
 * @param active tasks running now
 * @param queued tasks waiting now
 * @param limit the concurrency limit in force (changes over time with an adaptive limit)
 * @param maxQueue the queue bound
 * @param completed tasks that ran to completion, successfully or not, since the pool was built
 * @param rejected tasks rejected for any reason since the pool was built
 */
public record PoolStats(String name, int active, int queued, int limit, int maxQueue,
    long completed, long rejected) {
}
