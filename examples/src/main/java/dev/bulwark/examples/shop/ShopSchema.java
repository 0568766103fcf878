package dev.bulwark.examples.shop;

import dev.bulwark.db.Db;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.h2.store.fs.FilePath;

/**
 * Creates the shop's tables if missing and seeds them if empty (WORKLOAD.md's Data section), on
 * H2 or PostgreSQL; safe to run from several processes at once (on PostgreSQL an advisory lock
 * held for the whole preparation serialises them). Also owns the dialect differences the shop
 * needs.
 *
 * <p>Implementation note. {@link #build} runs from the first moment of the start, on a thread
 * and a connection of its own ({@code DriverManager}, not the pool), beside the creation of
 * Vert.x, the server and the pools on the caller's thread: on the embedded H2 the database's own
 * start and the 21,000 generated rows are most of the CPU work of a start, and they no longer
 * wait for the rest. Its own connection also keeps the first statement away from the pool's
 * {@code connectionTimeout} (1 s), which a slow start (the database still starting, a loaded
 * machine) used to exceed: that connection waits as long as the driver needs. The pool is asked
 * for a connection only afterwards ({@link #syncSequence}, the last step, which the shop awaits
 * before it listens), when the database is up and its own connector has long been connecting.
 * The building connection stays open until then, so an in-memory H2 database without
 * {@code DB_CLOSE_DELAY} is never left without a session in between (it would vanish).
 */
final class ShopSchema {

  static final int PRODUCTS = 10_000;
  static final int USERS = 1_000;
  static final int POSTS = 10_000;
  private static final long SEED_LOCK = 0x5ee0_5B0BL;
  /** The seed image's path in the classes and the jar ({@link ShopSeedImage} writes it there). */
  static final String SEED_IMAGE = "dev/bulwark/examples/shop/seed.mv.db";
  private static final String MEM_FS = "jdbc:h2:memFS:";
  /**
   * H2's posts.user_id foreign key, added once the generated posts are in, without checking
   * them (they reference users 1..1000 by construction): checking each of the 10,000 rows as it
   * was inserted made the seeding some 35 ms longer in a fresh JVM and H2's constraint code hot
   * enough for the JIT (about 70 ms more of the process's CPU time), on a start's critical path.
   * Later inserts are checked as before. Unchecked only right after this build seeded the posts;
   * a posts table found with rows and no foreign key (its build ended between the rows' commit,
   * which H2's DDL makes, and the key) gets it checked.
   */
  private static final String POSTS_FOREIGN_KEY_H2 = "ALTER TABLE posts ADD CONSTRAINT IF NOT EXISTS "
      + "posts_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id)";

  private final Db db;
  private final boolean postgres;

  ShopSchema(Db db, boolean postgres) {
    this.db = db;
    this.postgres = postgres;
  }

  boolean postgres() {
    return postgres;
  }

  static boolean postgres(String jdbcUrl) {
    return jdbcUrl.startsWith("jdbc:postgresql:");
  }

  /**
   * Starts creating and seeding the tables of {@code jdbcUrl} on a new daemon thread, over a
   * connection of its own. The future completes, on that thread, with the connection still open
   * once the data is there; the caller closes it (see {@link #syncSequence}).
   */
  static Future<Connection> build(String jdbcUrl) {
    // On the caller's thread, before it creates the pools: a pool's connection made first would
    // create the database empty, and the image could no longer go in.
    try {
      installSeedImage(jdbcUrl);
    } catch (IOException | RuntimeException e) {
      return Future.failedFuture(e);
    }
    Promise<Connection> built = Promise.promise();
    Thread builder = new Thread(() -> {
      Connection c = null;
      try {
        c = DriverManager.getConnection(jdbcUrl);
        build(c, postgres(jdbcUrl));
        built.complete(c);
      } catch (Exception | LinkageError e) {
        closeQuietly(c, e);
        built.fail(e);
      }
    }, "shop-schema");
    builder.setDaemon(true);
    builder.start();
    return built.future();
  }

  /**
   * Called by {@link #build(String)} before it starts its thread. On an H2 database in the
   * in-memory file system ({@code jdbc:h2:memFS:NAME}) that does not exist yet: writes the seed image ({@link ShopSeedImage}, made at build time) as its file, so
   * that {@link #build} finds the tables and rows there and only checks them. On any other URL,
   * for a database that exists, or without the image on the class path (classes compiled by an
   * IDE alone): nothing, and the rows are generated as before.
   */
  static void installSeedImage(String jdbcUrl) throws IOException {
    if (!jdbcUrl.startsWith(MEM_FS)) {
      return;
    }
    int options = jdbcUrl.indexOf(';');
    String name = jdbcUrl.substring("jdbc:h2:".length(), options < 0 ? jdbcUrl.length() : options);
    synchronized (ShopSchema.class) {
      FilePath file = FilePath.get(name + ".mv.db");
      if (file.exists()) {
        return;
      }
      try (InputStream image = ShopSchema.class.getClassLoader().getResourceAsStream(SEED_IMAGE)) {
        if (image == null) {
          return;
        }
        // Written whole under another name, then renamed: never a half file under the database's.
        FilePath partial = FilePath.get(name + ".seed.part");
        try {
          try (OutputStream out = partial.newOutputStream(false)) {
            image.transferTo(out);
          }
          partial.moveTo(file, false);
        } catch (IOException | RuntimeException e) {
          if (!file.exists()) {
            throw e;
          }
          // Another start in this JVM opened the database meanwhile: it exists, use it.
        } finally {
          if (partial.exists()) {
            partial.delete();
          }
        }
      }
    }
  }

  /** The tables and their rows, in one transaction (on PostgreSQL under the seeding lock). */
  static void build(Connection c, boolean postgres) throws SQLException {
    c.setAutoCommit(false);
    try (Statement s = c.createStatement()) {
      if (postgres) {
        s.execute("SELECT pg_advisory_xact_lock(" + SEED_LOCK + ")");
      }
      s.execute("CREATE TABLE IF NOT EXISTS products (id BIGINT PRIMARY KEY, "
          + "name VARCHAR(100) NOT NULL, price_cents INT NOT NULL, description VARCHAR(1000))");
      s.execute("CREATE TABLE IF NOT EXISTS users (id BIGINT PRIMARY KEY, name VARCHAR(100) NOT NULL)");
      // On H2 the foreign key comes after the rows (POSTS_FOREIGN_KEY_H2).
      s.execute("CREATE TABLE IF NOT EXISTS posts (id BIGINT PRIMARY KEY, user_id BIGINT NOT NULL"
          + (postgres ? " REFERENCES users(id)" : "") + ", title VARCHAR(200) NOT NULL)");
      s.execute("CREATE INDEX IF NOT EXISTS posts_user_id ON posts (user_id)");
      s.execute("CREATE SEQUENCE IF NOT EXISTS users_id_seq");
      seedIfEmpty(s, "products", "INSERT INTO products (id, name, price_cents, description) "
          + "SELECT x, 'Product ' || x, MOD(x * 7, 10000), 'Description of product ' || x FROM "
          + series(postgres, PRODUCTS));
      seedIfEmpty(s, "users", "INSERT INTO users (id, name) SELECT x, 'User ' || x FROM "
          + series(postgres, USERS));
      boolean seededPosts = seedIfEmpty(s, "posts", "INSERT INTO posts (id, user_id, title) "
          + "SELECT x, (x - 1) / 10 + 1, 'Post ' || x FROM " + series(postgres, POSTS));
      if (!postgres && (seededPosts || !hasForeignKey(s, "POSTS"))) {
        s.execute(POSTS_FOREIGN_KEY_H2 + (seededPosts ? " NOCHECK" : ""));
      }
      c.commit();
    } catch (SQLException | RuntimeException e) {
      try {
        c.rollback();
      } catch (SQLException r) {
        e.addSuppressed(r);
      }
      throw e;
    }
  }

  /** Whether H2's {@code table} has a foreign key, whatever its name. */
  private static boolean hasForeignKey(Statement s, String table) throws SQLException {
    try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLE_CONSTRAINTS"
        + " WHERE TABLE_SCHEMA = SCHEMA() AND TABLE_NAME = '" + table + "'"
        + " AND CONSTRAINT_TYPE = 'FOREIGN KEY'")) {
      return rs.next() && rs.getLong(1) > 0;
    }
  }

  /**
   * The ids 1..n as a table with one column {@code x}. The database generates the rows itself, in
   * one statement per table: sending 10,000 rows from Java took most of a second on H2 at start,
   * and the shop does not listen before its data is there.
   */
  private static String series(boolean postgres, int n) {
    return (postgres ? "generate_series(1, " : "SYSTEM_RANGE(1, ") + n + ") AS ids(x)";
  }

  /** Runs {@code insertSql} if {@code table} has no rows; whether it did. */
  private static boolean seedIfEmpty(Statement s, String table, String insertSql) throws SQLException {
    try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
      rs.next();
      if (rs.getLong(1) > 0) {
        return false;
      }
    }
    s.executeUpdate(insertSql);
    return true;
  }

  /** Closes {@code c} if there is one; a failure to close is added to {@code cause}, if any. */
  private static void closeQuietly(Connection c, Throwable cause) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (SQLException e) {
      if (cause != null) {
        cause.addSuppressed(e);
      }
    }
  }

  /**
   * For a start that failed: closes the building connection once it is there (a failed build
   * closed its own already; after {@link #syncSequence} it is closed, and closing it again does
   * nothing). The future completes when the connection is closed, or at once after a failed build.
   */
  static Future<Void> discard(Future<Connection> built) {
    return built.transform(ar -> {
      if (ar.succeeded()) {
        closeQuietly(ar.result(), null); // the start failed already: nothing to add to
      }
      return Future.succeededFuture();
    });
  }

  /**
   * The pool's first work: moves the user id sequence past the largest id, so new users never
   * clash with seeded ones. Closes {@code building} (the connection {@link #build} completed
   * with) afterwards, whatever the outcome: from then on the pool holds a session.
   */
  Future<Void> syncSequence(Connection building) {
    return db.named("schema").withConnection(this::advanceSequence).<Void>mapEmpty()
        .eventually(() -> {
          try {
            building.close();
          } catch (SQLException e) {
            return Future.failedFuture(e);
          }
          return Future.succeededFuture();
        });
  }

  private Void advanceSequence(Connection c) throws Exception {
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
