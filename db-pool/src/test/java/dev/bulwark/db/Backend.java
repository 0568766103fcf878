package dev.bulwark.db;

import java.util.UUID;

/**
 * The databases the portable tests run on: H2 (the embedded default, a fresh in-memory database
 * per {@link TestDb}) and PostgreSQL (the shared local server, so tables get unique names).
 */
enum Backend {

  H2 {
    @Override
    String jdbcUrl() {
      return "jdbc:h2:mem:bulwark_" + UUID.randomUUID().toString().replace('-', '_')
          + ";DB_CLOSE_DELAY=-1";
    }

    @Override
    String seriesSql() {
      return "SELECT X, CONCAT('Product ', X) FROM SYSTEM_RANGE(1, ?)";
    }
  },

  POSTGRES {
    @Override
    String jdbcUrl() {
      Servers.assumePostgres();
      return Servers.PG_URL;
    }

    @Override
    String seriesSql() {
      return "SELECT g, 'Product ' || g FROM generate_series(1, ?) g";
    }
  };

  /** A URL for a new test database; skips the test when the server is not there. */
  abstract String jdbcUrl();

  /** A query with one parameter n returning rows (i, 'Product i') for i = 1..n, in order. */
  abstract String seriesSql();

  boolean isPostgres() {
    return this == POSTGRES;
  }
}
