package dev.bulwark.examples.shop;

import dev.bulwark.db.Db;
import dev.bulwark.db.InsertOptions;
import io.vertx.core.Future;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

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
    }).compose(v -> seedIfEmpty("products", this::productRows, List.of("id", "name", "price_cents", "description")))
        .compose(v -> seedIfEmpty("users", this::userRows, List.of("id", "name")))
        .compose(v -> seedIfEmpty("posts", this::postRows, List.of("id", "user_id", "title")))
        .compose(v -> db.withConnection(this::syncSequence));
  }

  private Future<Void> seedIfEmpty(String table, java.util.function.Supplier<List<Object[]>> rows,
      List<String> columns) {
    return db.queryOne("SELECT COUNT(*) FROM " + table, rs -> rs.getLong(1)).compose(count -> {
      if (count.orElse(0L) > 0) {
        return Future.succeededFuture();
      }
      return db.insertRows(table, columns, rows.get(), InsertOptions.COPY)
          .recover(e -> db.queryOne("SELECT COUNT(*) FROM " + table, rs -> rs.getLong(1))
              // Another process seeded it first (a primary key clash): that is fine.
              .compose(n -> n.orElse(0L) > 0 ? Future.succeededFuture(0L) : Future.failedFuture(e)))
          .mapEmpty();
    });
  }

  private List<Object[]> productRows() {
    List<Object[]> rows = new ArrayList<>(PRODUCTS);
    for (long id = 1; id <= PRODUCTS; id++) {
      rows.add(new Object[] {id, "Product " + id, (int) ((id * 7) % 10000), "Description of product " + id});
    }
    return rows;
  }

  private List<Object[]> userRows() {
    List<Object[]> rows = new ArrayList<>(USERS);
    for (long id = 1; id <= USERS; id++) {
      rows.add(new Object[] {id, "User " + id});
    }
    return rows;
  }

  private List<Object[]> postRows() {
    List<Object[]> rows = new ArrayList<>(POSTS);
    for (long id = 1; id <= POSTS; id++) {
      rows.add(new Object[] {id, (id - 1) / 10 + 1, "Post " + id});
    }
    return rows;
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
