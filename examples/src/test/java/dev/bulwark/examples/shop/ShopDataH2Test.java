package dev.bulwark.examples.shop;

import org.junit.jupiter.api.BeforeAll;

/** The data contract on the embedded default, H2 in memory. */
class ShopDataH2Test extends ShopDataContract {

  @BeforeAll
  static void start() throws Exception {
    startShop("jdbc:h2:mem:shopdata;DB_CLOSE_DELAY=-1");
  }

  @Override
  long userCount() throws Exception {
    try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:h2:mem:shopdata");
        java.sql.ResultSet rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM users")) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
