package dev.bulwark.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The tables' build on H2, whose posts get their foreign key after the generated rows. */
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

      assertThatThrownBy(() -> s.executeUpdate(
          "INSERT INTO posts (id, user_id, title) VALUES (" + (ShopSchema.POSTS + 1) + ", "
              + (ShopSchema.USERS + 1) + ", 'orphan')"))
          .isInstanceOf(SQLException.class)
          .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("23506"));
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
}
