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
 * @param loopReads reads in flight on the event loops' own connections
 *     ({@code DbOptions.eventLoopReads}), which {@code active}, {@code idle} and {@code total}
 *     (HikariCP's) do not include; 0 when none is in flight, and always 0 without such reads
 */
public record DbStats(int active, int idle, int total, int waiting, int maximumPoolSize, boolean up,
    int loopReads) {

  /** A snapshot of a pool without reads on the event loops ({@code loopReads} 0). */
  public DbStats(int active, int idle, int total, int waiting, int maximumPoolSize, boolean up) {
    this(active, idle, total, waiting, maximumPoolSize, up, 0);
  }
}
