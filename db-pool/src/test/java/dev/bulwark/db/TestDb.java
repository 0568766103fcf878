package dev.bulwark.db;

import static dev.bulwark.db.TestSupport.await;

import io.vertx.core.Vertx;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A {@link Db} on one {@link Backend}, plus plain-JDBC helpers (outside the pool, so setup and
 * checks neither borrow its connections nor feed its run-time statistics). Closing it closes the
 * Db and drops the tables it made (PostgreSQL) or shuts the in-memory database down (H2).
 */
final class TestDb implements AutoCloseable {

  private final Backend backend;
  private final String adminUrl;
  private final Db db;
  private final String suffix = TestSupport.uniqueSuffix();
  private final List<String> tables = new ArrayList<>();

  private TestDb(Backend backend, String adminUrl, Db db) {
    this.backend = backend;
    this.adminUrl = adminUrl;
    this.db = db;
  }

  static TestDb open(Vertx vertx, Backend backend) {
    return open(vertx, backend, b -> b);
  }

  static TestDb open(Vertx vertx, Backend backend, UnaryOperator<DbOptions.Builder> options) {
    String url = backend.jdbcUrl();
    return new TestDb(backend, url, Db.create(vertx, options.apply(DbOptions.builder(url)).build()));
  }

  /** A Db reaching the server at {@code url} (e.g. through a proxy); setup still goes direct. */
  static TestDb openVia(Vertx vertx, Backend backend, String url,
      UnaryOperator<DbOptions.Builder> options) {
    String adminUrl = backend.jdbcUrl();
    return new TestDb(backend, adminUrl, Db.create(vertx, options.apply(DbOptions.builder(url)).build()));
  }

  Db db() {
    return db;
  }

  Backend backend() {
    return backend;
  }

  /** Creates a table named {@code prefix_<unique>} with {@code columns}, dropped on close. */
  String table(String prefix, String columns) {
    String name = prefix + "_" + suffix;
    execute("CREATE TABLE " + name + " (" + columns + ")");
    tables.add(name);
    return name;
  }

  /** Runs a statement on a plain connection. */
  void execute(String sql) {
    try (Connection c = connect(); Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new AssertionError("setup statement failed: " + sql, e);
    }
  }

  /** Rows of a query on a plain connection, each as a list of column values. */
  List<List<Object>> rows(String sql) {
    try (Connection c = connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      ResultSetMetaData md = rs.getMetaData();
      List<List<Object>> out = new ArrayList<>();
      while (rs.next()) {
        Object[] row = new Object[md.getColumnCount()];
        for (int i = 0; i < row.length; i++) {
          row[i] = rs.getObject(i + 1);
        }
        out.add(Arrays.asList(row));
      }
      return out;
    } catch (SQLException e) {
      throw new AssertionError("check query failed: " + sql, e);
    }
  }

  /** Waits until the Db has no connection checked out. */
  void awaitNoActiveConnection() {
    org.awaitility.Awaitility.await("connection returned").atMost(java.time.Duration.ofSeconds(5))
        .until(() -> db.stats().active() == 0);
  }

  /** {@code SELECT count(*)} of a table, on a plain connection. */
  long count(String table) {
    return ((Number) rows("SELECT count(*) FROM " + table).get(0).get(0)).longValue();
  }

  Connection connect() throws SQLException {
    return backend.isPostgres() ? Servers.connectPostgres() : DriverManager.getConnection(adminUrl);
  }

  @Override
  public void close() {
    try {
      await(db.close());
    } finally {
      if (backend.isPostgres()) {
        for (String t : tables) {
          execute("DROP TABLE IF EXISTS " + t);
        }
      } else {
        execute("SHUTDOWN");
      }
    }
  }
}
