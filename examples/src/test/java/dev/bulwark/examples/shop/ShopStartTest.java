package dev.bulwark.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** How the shop starts: its tables are built before it listens, however slow the database. */
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
}
