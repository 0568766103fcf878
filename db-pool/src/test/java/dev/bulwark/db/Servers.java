package dev.bulwark.db;

import dev.bulwark.core.testing.LocalServers;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * PostgreSQL for these tests, through core's {@link LocalServers}: skipped when absent, failed
 * when {@code -Dbulwark.requireServers=true} (as CI sets).
 */
final class Servers {

  static final String PG_HOST = "127.0.0.1";
  static final int PG_PORT = 5432;
  static final String PG_URL = LocalServers.POSTGRES_URL;

  private Servers() {
  }

  static void assumePostgres() {
    LocalServers.assumePostgres();
  }

  /** A plain connection to the test database, outside any pool. */
  static Connection connectPostgres() throws SQLException {
    return LocalServers.connectPostgres();
  }
}
