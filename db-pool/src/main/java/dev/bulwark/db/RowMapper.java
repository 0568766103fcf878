package dev.bulwark.db;

import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Maps the current row of a {@link ResultSet} to a value, once per row; must not move the cursor.
 * Called on a JDBC worker thread, or, for a read on the event loop
 * ({@link DbOptions.Builder#eventLoopReads}), on that event loop: it must not block.
 */
@FunctionalInterface
public interface RowMapper<T> {

  T map(ResultSet row) throws SQLException;
}
