package dev.bulwark.db;

/**
 * A snapshot of a {@link Db}'s pool, read field by field (not atomically together).
 *
 * @param active connections in use
 * @param idle connections idle in the pool
 * @param total connections open
 * @param waiting callers queued for a connection
 * @param maximumPoolSize the pool's size
 * @param up false while the database is considered unreachable
 */
public record DbStats(int active, int idle, int total, int waiting, int maximumPoolSize, boolean up) {
}
