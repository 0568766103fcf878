package dev.bulwark.db;

/**
 * How {@link Db#insertRows} writes rows. Immutable.
 *
 * @param mode {@link Mode#BATCH} (JDBC batches) or {@link Mode#COPY} (PostgreSQL
 *     {@code COPY ... FROM STDIN}; batches on other databases)
 * @param chunkSize rows per JDBC batch, at least 1
 */
public record InsertOptions(Mode mode, int chunkSize) {

  /** Batches of 1,000 rows. */
  public static final InsertOptions BATCH = new InsertOptions(Mode.BATCH, 1000);
  /** COPY on PostgreSQL, else batches of 1,000 rows. */
  public static final InsertOptions COPY = new InsertOptions(Mode.COPY, 1000);

  /** How rows go in. */
  public enum Mode { BATCH, COPY }

  public InsertOptions {
    if (mode == null) {
      throw new IllegalArgumentException("mode must not be null");
    }
    if (chunkSize < 1) {
      throw new IllegalArgumentException("chunkSize must be >= 1, but was " + chunkSize);
    }
  }
}
