package dev.bulwark.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.h2.store.fs.FilePath;
import org.junit.jupiter.api.Test;

/**
 * The tables' build on H2, whose posts get their foreign key after the generated rows, and the
 * seed image a database in H2's in-memory file system starts from.
 */
class ShopSchemaTest {

  private static final AtomicInteger DATABASES = new AtomicInteger();

  /** A fresh in-memory database, kept until the JVM exits. */
  private static String freshDb() {
    return "jdbc:h2:mem:shop-schema-" + DATABASES.incrementAndGet() + ";DB_CLOSE_DELAY=-1";
  }

  private static Connection build(String url) throws Exception {
    return ShopSchema.build(url).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  private static long count(Statement s, String sql) throws SQLException {
    try (ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static long postsForeignKeys(Statement s) throws SQLException {
    return count(s, "SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLE_CONSTRAINTS "
        + "WHERE TABLE_NAME = 'POSTS' AND CONSTRAINT_TYPE = 'FOREIGN KEY'");
  }

  /** A post of a user that does not exist is refused by the foreign key. */
  private static void assertOrphanPostRefused(Statement s) {
    assertThatThrownBy(() -> s.executeUpdate(
        "INSERT INTO posts (id, user_id, title) VALUES (" + (ShopSchema.POSTS + 1) + ", "
            + (ShopSchema.USERS + 1) + ", 'orphan')"))
        .isInstanceOf(SQLException.class)
        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("23506"));
  }

  @Test
  void build_seedsTheTablesAndPostsKeepTheirForeignKey() throws Exception {
    try (Connection c = build(freshDb()); Statement s = c.createStatement()) {
      c.setAutoCommit(true);
      assertThat(count(s, "SELECT COUNT(*) FROM products")).isEqualTo(ShopSchema.PRODUCTS);
      assertThat(count(s, "SELECT COUNT(*) FROM users")).isEqualTo(ShopSchema.USERS);
      assertThat(count(s, "SELECT COUNT(*) FROM posts")).isEqualTo(ShopSchema.POSTS);
      assertThat(count(s, "SELECT COUNT(*) FROM posts p LEFT JOIN users u ON u.id = p.user_id "
          + "WHERE u.id IS NULL")).isZero();
      assertThat(postsForeignKeys(s)).isEqualTo(1);

      assertOrphanPostRefused(s);
    }
  }

  @Test
  void build_onPostsLeftWithRowsButNoKey_addsTheKeyChecked() throws Exception {
    String url = freshDb();
    try (Connection c = build(url); Statement s = c.createStatement()) {
      c.setAutoCommit(true);
      // As a build cut off between the rows' commit (H2's DDL makes one) and the key.
      s.execute("ALTER TABLE posts DROP CONSTRAINT posts_user_id_fkey");
      assertThat(postsForeignKeys(s)).isZero();
    }
    try (Connection c = build(url); Statement s = c.createStatement()) {
      assertThat(postsForeignKeys(s)).isEqualTo(1);
      assertThat(count(s, "SELECT COUNT(*) FROM posts")).isEqualTo(ShopSchema.POSTS);
    }
  }

  @Test
  void build_onBuiltTables_addsNoSecondKeyAndNoRows() throws Exception {
    String url = freshDb();
    build(url).close();
    try (Connection c = build(url); Statement s = c.createStatement()) {
      assertThat(count(s, "SELECT COUNT(*) FROM posts")).isEqualTo(ShopSchema.POSTS);
      assertThat(postsForeignKeys(s)).isEqualTo(1);
    }
  }

  /** A database in H2's in-memory file system that does not exist yet. */
  private static String freshMemFsDb() {
    return "jdbc:h2:memFS:shop-schema-" + DATABASES.incrementAndGet() + ";DB_CLOSE_DELAY=-1";
  }

  /** Every row of the shop's tables and the posts' foreign keys, as text, in key order. */
  private static List<String> contents(Statement s) throws SQLException {
    List<String> rows = new ArrayList<>();
    for (String sql : new String[] {"SELECT * FROM products ORDER BY id", "SELECT * FROM users ORDER BY id",
        "SELECT * FROM posts ORDER BY id"}) {
      try (ResultSet rs = s.executeQuery(sql)) {
        int columns = rs.getMetaData().getColumnCount();
        while (rs.next()) {
          StringBuilder row = new StringBuilder(sql.substring(14, 19));
          for (int i = 1; i <= columns; i++) {
            row.append('|').append(rs.getString(i));
          }
          rows.add(row.toString());
        }
      }
    }
    rows.add("posts foreign keys: " + postsForeignKeys(s));
    return rows;
  }

  @Test
  void seedImage_isInTheClasses() throws Exception {
    try (InputStream image = ShopSchema.class.getClassLoader().getResourceAsStream(ShopSchema.SEED_IMAGE)) {
      assertThat(image).as("the image exec-maven-plugin writes at process-classes").isNotNull();
      assertThat(image.readAllBytes()).hasSizeGreaterThan(4096);
    }
  }

  @Test
  void installSeedImage_onANewMemFsDatabase_holdsTheGeneratedRowsBeforeAnyBuild() throws Exception {
    String url = freshMemFsDb();
    String file = url.substring("jdbc:h2:".length(), url.indexOf(';')) + ".mv.db";
    ShopSchema.installSeedImage(url);
    assertThat(FilePath.get(file).exists()).as("the image, before any connection").isTrue();
    List<String> fromImage;
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
      fromImage = contents(s);
      s.execute("DROP ALL OBJECTS"); // the database is this test's alone
    }
    List<String> generated;
    try (Connection c = build(freshDb()); Statement s = c.createStatement()) {
      generated = contents(s);
    }
    assertThat(fromImage).hasSize(ShopSchema.PRODUCTS + ShopSchema.USERS + ShopSchema.POSTS + 1)
        .isEqualTo(generated);
  }

  @Test
  void build_onANewMemFsDatabase_isTheImageCheckedAndKeepsItsKey() throws Exception {
    String url = freshMemFsDb();
    String file = url.substring("jdbc:h2:".length(), url.indexOf(';')) + ".mv.db";
    assertThat(FilePath.get(file).exists()).isFalse();
    try (Connection c = build(url); Statement s = c.createStatement()) {
      c.setAutoCommit(true);
      assertThat(FilePath.get(file).exists()).isTrue();
      assertThat(count(s, "SELECT COUNT(*) FROM posts")).isEqualTo(ShopSchema.POSTS);
      assertThat(postsForeignKeys(s)).isEqualTo(1);
      assertOrphanPostRefused(s);
    }
  }

  @Test
  void installSeedImage_onAUrlWithoutOptions_writesTheFileItNames() throws Exception {
    String url = "jdbc:h2:memFS:shop-schema-" + DATABASES.incrementAndGet();
    String file = url.substring("jdbc:h2:".length()) + ".mv.db";
    ShopSchema.installSeedImage(url);
    assertThat(FilePath.get(file).exists()).isTrue();
    assertThat(FilePath.get(url.substring("jdbc:h2:".length()) + ".seed.part").exists()).isFalse();
    FilePath.get(file).delete();
  }

  @Test
  void build_onAnExistingMemFsDatabase_keepsItsRows() throws Exception {
    String url = freshMemFsDb();
    try (Connection c = build(url); Statement s = c.createStatement()) {
      c.setAutoCommit(true);
      s.executeUpdate("INSERT INTO products (id, name, price_cents) VALUES (99999, 'kept', 1)");
      s.executeUpdate("DELETE FROM products WHERE id = 1");
    }
    try (Connection c = build(url); Statement s = c.createStatement()) {
      assertThat(count(s, "SELECT COUNT(*) FROM products WHERE id = 99999")).isEqualTo(1);
      assertThat(count(s, "SELECT COUNT(*) FROM products")).isEqualTo(ShopSchema.PRODUCTS);
    }
  }
}
