package dev.bulwark.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * How the shop starts: its tables are built before it listens, however slow the database, and a
 * start that fails leaves no connection open.
 */
class ShopStartTest {

  /**
   * Every new connection of this database takes 1.5 s (its {@code INIT} pauses), longer than the
   * pools' 1 s {@code connectionTimeout}: the fault a loaded machine makes of H2's own start.
   */
  private static final String SLOW_DB = "jdbc:h2:mem:shopslowconnect;DB_CLOSE_DELAY=-1;"
      + "INIT=CREATE ALIAS IF NOT EXISTS PAUSE FOR 'java.lang.Thread.sleep'\\;CALL PAUSE(1500)";

  @Test
  void start_buildsTheTables_whenConnectingTakesLongerThanThePoolsTimeout() throws Exception {
    ShopConfig config = new ShopConfig("127.0.0.1", 0, 4, 4, Duration.ofSeconds(1), 2,
        Duration.ofSeconds(5), SLOW_DB, 2, null, ShopConfig.Role.ALL);
    Shop shop = Shop.start(config).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    try {
      HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + shop.port() + "/products/10000"))
          .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());

      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("{\"id\":10000,\"name\":\"Product 10000\",\"priceCents\":0,"
          + "\"description\":\"Description of product 10000\"}");
    } finally {
      shop.drain().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void start_thatFailsAtTheServer_closesBothPools_andReportsTheCause() throws Exception {
    String url = "jdbc:h2:mem:shopfailsatport;DB_CLOSE_DELAY=-1";
    try (Connection watcher = DriverManager.getConnection(url); ServerSocket taken = new ServerSocket(0)) {
      ShopConfig config = failing(url, taken.getLocalPort(), null);

      assertThat(startFailure(config)).hasMessageContaining("Address already in use");
      assertThat(sessions(watcher)).as("open sessions, the watcher's included").isEqualTo(1);
    }
  }

  @Test
  void start_thatFailsAtTheTaskQueue_closesBothPools_andReportsTheCause() throws Exception {
    String url = "jdbc:h2:mem:shopfailsattasks;DB_CLOSE_DELAY=-1";
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    try (Connection watcher = DriverManager.getConnection(url)) {
      ShopConfig config = failing(url, 0, "redis://127.0.0.1:" + closed);

      assertThat(startFailure(config)).hasMessageContaining("127.0.0.1:" + closed);
      assertThat(sessions(watcher)).as("open sessions, the watcher's included").isEqualTo(1);
    }
  }

  @Test
  void start_thatFailsAtTheTables_closesBothPools_andReportsTheCause() throws Exception {
    String url = "jdbc:h2:mem:shopfailsattables;DB_CLOSE_DELAY=-1";
    try (Connection watcher = DriverManager.getConnection(url); Statement s = watcher.createStatement()) {
      // A products table of another shape: seeding it fails.
      s.execute("CREATE TABLE products (id BIGINT PRIMARY KEY)");
      ShopConfig config = failing(url, 0, null);

      assertThat(startFailure(config)).hasMessageContaining("NAME");
      assertThat(sessions(watcher)).as("open sessions, the watcher's included").isEqualTo(1);
    }
  }

  private static ShopConfig failing(String url, int port, String redis) {
    return new ShopConfig("127.0.0.1", port, 4, 4, Duration.ofSeconds(1), 2,
        Duration.ofSeconds(5), url, 2, redis, ShopConfig.Role.ALL);
  }

  /** The failure of a start that must fail, unwrapped from the future's. */
  private static Throwable startFailure(ShopConfig config) throws Exception {
    try {
      Shop shop = Shop.start(config).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      shop.drain().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      throw new AssertionError("the start succeeded");
    } catch (ExecutionException e) {
      return e.getCause();
    }
  }

  /** The database's open sessions, the watcher's own included. */
  private static long sessions(Connection watcher) throws Exception {
    try (Statement s = watcher.createStatement();
        ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM INFORMATION_SCHEMA.SESSIONS")) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
