package dev.bulwark.db;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The real servers the tests run against. PostgreSQL is expected on its standard local port with
 * trust auth; a test that needs it calls {@link #assumePostgres()}, which skips the test when the
 * server is not there, or fails it when {@code -Dbulwark.requireServers=true} (as CI sets).
 */
final class Servers {

  static final String PG_HOST = "127.0.0.1";
  static final int PG_PORT = 5432;
  static final String PG_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";

  private static final Object LOCK = new Object();
  private static String problem;
  private static boolean probed;

  private Servers() {
  }

  /** Skips (or, with {@code bulwark.requireServers=true}, fails) the test unless PostgreSQL answers. */
  static void assumePostgres() {
    String why = postgresProblem();
    if (why == null) {
      return;
    }
    if ("true".equalsIgnoreCase(System.getProperty("bulwark.requireServers"))) {
      Assertions.fail("PostgreSQL is required (bulwark.requireServers=true) but not reachable at "
          + PG_HOST + ":" + PG_PORT + ": " + why);
    }
    Assumptions.abort("PostgreSQL not reachable at " + PG_HOST + ":" + PG_PORT + " (" + why
        + "); test skipped. Set -Dbulwark.requireServers=true to fail instead.");
  }

  /** A plain connection to the test database, outside any pool. */
  static Connection connectPostgres() throws SQLException {
    Properties props = new Properties();
    props.setProperty("loginTimeout", "2");
    props.setProperty("connectTimeout", "2");
    return DriverManager.getConnection(PG_URL, props);
  }

  /** Null when PostgreSQL answers; else why not. Probed once per JVM. */
  private static String postgresProblem() {
    synchronized (LOCK) {
      if (!probed) {
        probed = true;
        try (Connection c = connectPostgres()) {
          if (!c.isValid(2)) {
            problem = "connection not valid";
          }
        } catch (SQLException e) {
          problem = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
      }
      return problem;
    }
  }
}
