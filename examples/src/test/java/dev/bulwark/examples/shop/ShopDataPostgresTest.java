package dev.bulwark.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The data contract on PostgreSQL, plus what only PostgreSQL can show. */
class ShopDataPostgresTest extends ShopDataContract {

  @BeforeAll
  static void start() throws Exception {
    Servers.assumePostgres();
    startShop(Servers.POSTGRES_URL);
  }

  @Override
  long userCount() throws Exception {
    try (Connection c = DriverManager.getConnection(Servers.POSTGRES_URL);
        ResultSet rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM users")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** Statements on users or posts since the last reset, from pg_stat_statements. */
  private static long statementsOnUsersAndPosts(Statement s) throws Exception {
    try (ResultSet rs = s.executeQuery("SELECT COALESCE(SUM(calls), 0) FROM pg_stat_statements "
        + "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) "
        + "AND (query ILIKE '%FROM users%' OR query ILIKE '%FROM posts%') "
        + "AND query NOT ILIKE '%pg_stat_statements%'")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  void users_isExactlyTwoStatements_whateverTheLimit() throws Exception {
    try (Connection c = DriverManager.getConnection(Servers.POSTGRES_URL); Statement s = c.createStatement()) {
      s.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
      for (int limit : new int[] {1, 100, 1000}) {
        s.execute("SELECT pg_stat_statements_reset()");

        assertThat(get("/users?limit=" + limit).statusCode()).isEqualTo(200);

        assertThat(statementsOnUsersAndPosts(s)).as("statements for limit=%d", limit).isEqualTo(2);
      }
    }
  }
}
