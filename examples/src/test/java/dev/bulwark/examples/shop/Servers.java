package dev.bulwark.examples.shop;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Local servers for tests. Without them a test is skipped with a clear message, unless the
 * system property {@code bulwark.requireServers} is {@code true} (CI), where it fails instead.
 */
final class Servers {

  static final String POSTGRES_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";

  private Servers() {
  }

  static void assumePostgres() {
    DriverManager.setLoginTimeout(2);
    try (Connection c = DriverManager.getConnection(POSTGRES_URL)) {
      c.isValid(2);
    } catch (SQLException e) {
      String message = "PostgreSQL is not reachable at 127.0.0.1:5432 (" + e.getMessage() + ")";
      if (Boolean.getBoolean("bulwark.requireServers")) {
        Assertions.fail(message + ", and bulwark.requireServers=true");
      }
      Assumptions.abort(message + "; skipping (set -Dbulwark.requireServers=true to fail instead)");
    }
  }
}
