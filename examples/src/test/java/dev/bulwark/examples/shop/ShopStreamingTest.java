package dev.bulwark.examples.shop;

import org.junit.jupiter.api.BeforeAll;

/** The streaming contract on the embedded default, H2 in memory. */
class ShopStreamingTest extends ShopStreamingContract {

  @BeforeAll
  static void start() throws Exception {
    startShop("jdbc:h2:mem:shopstreaming;DB_CLOSE_DELAY=-1");
  }

}
