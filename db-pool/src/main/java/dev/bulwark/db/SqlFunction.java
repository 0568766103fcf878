package dev.bulwark.db;

import java.sql.Connection;

/**
 * Work done with a borrowed connection, on a JDBC worker thread. It must not keep the connection
 * after it returns.
 */
@FunctionalInterface
public interface SqlFunction<T> {

  T apply(Connection connection) throws Exception;
}
