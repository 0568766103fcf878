package dev.bulwark.examples.shop;

import dev.bulwark.db.Db;
import io.vertx.core.Future;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

/**
 * Creates the shop's tables if missing and seeds them if empty (WORKLOAD.md's Data section), on
 * H2 or PostgreSQL; safe to run from several processes at once (on PostgreSQL an advisory lock
 * serialises the seeding). Also owns the dialect differences the shop needs.
 */
final class ShopSchema {

  static final int PRODUCTS = 10_000;
  static final int USERS = 1_000;
  static final int POSTS = 10_000;
  private static final long SEED_LOCK = 0x5ee0_5B0BL;

  private final Db db;
  private final boolean postgres;

  ShopSchema(Db db, boolean postgres) {
    this.db = db;
    this.postgres = postgres;
  }

  boolean postgres() {
    return postgres;
  }

  /** Creates, seeds and syncs the user id sequence; completes when the data is ready. */
  Future<Void> prepare() {
    return db.inTransaction(c -> {
      try (Statement s = c.createStatement()) {
        if (postgres) {
          s.execute("SELECT pg_advisory_xact_lock(" + SEED_LOCK + ")");
        }
        s.execute("CREATE TABLE IF NOT EXISTS products (id BIGINT PRIMARY KEY, "
            + "name VARCHAR(100) NOT NULL, price_cents INT NOT NULL, description VARCHAR(1000))");
        s.execute("CREATE TABLE IF NOT EXISTS users (id BIGINT PRIMARY KEY, name VARCHAR(100) NOT NULL)");
        s.execute("CREATE TABLE IF NOT EXISTS posts (id BIGINT PRIMARY KEY, "
            + "user_id BIGINT NOT NULL REFERENCES users(id), title VARCHAR(200) NOT NULL)");
        s.execute("CREATE INDEX IF NOT EXISTS posts_user_id ON posts (user_id)");
        s.execute("CREATE SEQUENCE IF NOT EXISTS users_id_seq");
      }
      return null;
    }).compose(v -> seedIfEmpty("products", "INSERT INTO products (id, name, price_cents, description) "
        + "SELECT x, 'Product ' || x, MOD(x * 7, 10000), 'Description of product ' || x FROM "
        + series(PRODUCTS)))
        .compose(v -> seedIfEmpty("users", "INSERT INTO users (id, name) SELECT x, 'User ' || x FROM "
            + series(USERS)))
        .compose(v -> seedIfEmpty("posts", "INSERT INTO posts (id, user_id, title) "
            + "SELECT x, (x - 1) / 10 + 1, 'Post ' || x FROM " + series(POSTS)))
        .compose(v -> db.withConnection(this::syncSequence));
  }

  /**
   * The ids 1..n as a table with one column {@code x}. The database generates the rows itself, in
   * one statement per table: sending 10,000 rows from Java took most of a second on H2 at start,
   * and the shop does not listen before its data is there.
   */
  private String series(int n) {
    return (postgres ? "generate_series(1, " : "SYSTEM_RANGE(1, ") + n + ") AS ids(x)";
  }

  private Future<Void> seedIfEmpty(String table, String insertSql) {
    return db.queryOne("SELECT COUNT(*) FROM " + table, rs -> rs.getLong(1)).compose(count -> {
      if (count.orElse(0L) > 0) {
        return Future.succeededFuture();
      }
      return db.named("seed-" + table).update(insertSql)
          .recover(e -> db.queryOne("SELECT COUNT(*) FROM " + table, rs -> rs.getLong(1))
              // Another process seeded it first (a primary key clash): that is fine.
              .compose(n -> n.orElse(0L) > 0 ? Future.succeededFuture(0) : Future.failedFuture(e)))
          .mapEmpty();
    });
  }

  /** Moves the user id sequence past the largest id, so new users never clash with seeded ones. */
  private Void syncSequence(Connection c) throws Exception {
    long max;
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COALESCE(MAX(id), 0) FROM users")) {
      rs.next();
      max = rs.getLong(1);
    }
    try (Statement s = c.createStatement()) {
      if (postgres) {
        s.execute("SELECT setval('users_id_seq', GREATEST(" + max + ", (SELECT last_value FROM users_id_seq)))");
      } else {
        try (ResultSet rs = s.executeQuery("SELECT BASE_VALUE FROM INFORMATION_SCHEMA.SEQUENCES "
            + "WHERE SEQUENCE_NAME = 'USERS_ID_SEQ'")) {
          long next = rs.next() ? rs.getLong(1) : 1;
          if (next <= max) {
            s.execute("ALTER SEQUENCE users_id_seq RESTART WITH " + (max + 1));
          }
        }
      }
    }
    return null;
  }

  /** SQL returning {@code ?} fresh user ids, one per row. */
  String allocateUserIdsSql() {
    return postgres ? "SELECT nextval('users_id_seq') FROM generate_series(1, ?)"
        : "SELECT NEXT VALUE FOR users_id_seq FROM SYSTEM_RANGE(1, ?)";
  }
}
