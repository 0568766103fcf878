package dev.bulwark.db;

import dev.bulwark.core.testing.LocalServers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

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

  /** Backends, other than the asking one, running or holding in a transaction the statement with {@code marker}. */
  static int backendsRunning(String marker) throws SQLException {
    return activity(marker).size();
  }

  /**
   * {@code state:wait_event} of each backend, other than the asking one, running or holding in a
   * transaction the statement with {@code marker} (e.g. {@code active:ClientWrite} for one blocked
   * writing to its client's full socket).
   */
  static List<String> activity(String marker) throws SQLException {
    try (Connection c = connectPostgres();
        PreparedStatement ps = c.prepareStatement("SELECT state || ':' || coalesce(wait_event, '') FROM "
            + "pg_stat_activity WHERE query LIKE ? AND pid <> pg_backend_pid() AND state <> 'idle'")) {
      ps.setString(1, "%" + marker + "%");
      List<String> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
      return out;
    }
  }

  /** A plain connection to the test database, outside any pool. */
  static Connection connectPostgres() throws SQLException {
    return LocalServers.connectPostgres();
  }
}
