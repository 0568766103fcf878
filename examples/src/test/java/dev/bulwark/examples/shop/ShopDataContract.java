package dev.bulwark.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The shop's data endpoints (WORKLOAD.md), run against each database by a subclass that starts
 * the shop on it.
 */
abstract class ShopDataContract {

  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  static Shop shop;

  static void startShop(String db) throws Exception {
    ShopConfig config = new ShopConfig("127.0.0.1", 0, 8, 16, Duration.ofSeconds(2), 2,
        Duration.ofSeconds(5), db, 4, null, ShopConfig.Role.ALL);
    shop = Shop.start(config).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stopShop() throws Exception {
    if (shop != null) {
      shop.drain().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      shop = null;
    }
  }

  static HttpResponse<String> get(String path) throws Exception {
    return CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + shop.port() + path))
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> post(String path, String contentType, byte[] body) throws Exception {
    return CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + shop.port() + path))
        .timeout(Duration.ofSeconds(30)).header("Content-Type", contentType)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Users in the database, counted through the shop's own pool. */
  abstract long userCount() throws Exception;

  @Test
  void product_matchesTheContractExactly() throws Exception {
    HttpResponse<String> r = get("/products/5");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(r.body()).isEqualTo(
        "{\"id\":5,\"name\":\"Product 5\",\"priceCents\":35,\"description\":\"Description of product 5\"}");
  }

  @ParameterizedTest
  @CsvSource({"/products/abc, 400", "/products/0, 400", "/products/-3, 400",
      "/products/99999999999999999999, 400", "/products/99999, 404", "/users?limit=0, 400",
      "/users?limit=1001, 400", "/users?limit=x, 400"})
  void badIds_andLimits_areJsonErrors(String path, int status) throws Exception {
    HttpResponse<String> r = get(path);

    assertThat(r.statusCode()).isEqualTo(status);
    assertThat(JSON.readTree(r.body()).get("error").asText()).isNotBlank();
  }

  @Test
  void users_haveTheirTenPostsInOrder() throws Exception {
    JsonNode users = JSON.readTree(get("/users?limit=100").body());

    assertThat(users).hasSize(100);
    for (int i = 0; i < 100; i++) {
      JsonNode u = users.get(i);
      long id = i + 1;
      assertThat(u.get("id").asLong()).isEqualTo(id);
      assertThat(u.get("name").asText()).isEqualTo("User " + id);
      JsonNode posts = u.get("posts");
      assertThat(posts).hasSize(10);
      for (int p = 0; p < 10; p++) {
        long postId = (id - 1) * 10 + p + 1;
        assertThat(posts.get(p).get("id").asLong()).isEqualTo(postId);
        assertThat(posts.get(p).get("title").asText()).isEqualTo("Post " + postId);
      }
    }
    assertThat(JSON.readTree(get("/users").body())).hasSize(50);
  }

  @Test
  void bulk_insertsEveryItem() throws Exception {
    long before = userCount();
    StringBuilder body = new StringBuilder("[");
    for (int i = 0; i < 5000; i++) {
      body.append(i == 0 ? "" : ",").append("{\"name\":\"Bulk ").append(i).append("\"}");
    }
    body.append(']');

    HttpResponse<String> r = post("/users/bulk", "application/json", body.toString().getBytes());

    assertThat(r.statusCode()).isEqualTo(201);
    assertThat(r.body()).isEqualTo("{\"inserted\":5000}");
    assertThat(userCount()).isEqualTo(before + 5000);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "bad item      | [{\"name\":\"ok\"},{\"name\":\"\"},{\"name\":\"ok\"}]",
      "null name     | [{\"name\":\"ok\"},{\"name\":null}]",
      "number name   | [{\"name\":\"ok\"},{\"name\":5}]",
      "unknown field | [{\"name\":\"ok\",\"admin\":true}]",
      "broken JSON   | [{\"name\":\"ok\"",
      "not an array  | {\"name\":\"ok\"}",
      "empty array   | []",
  })
  void bulk_badBody_is400_andInsertsNothing(String what, String body) throws Exception {
    long before = userCount();

    HttpResponse<String> r = post("/users/bulk", "application/json", body.getBytes());

    assertThat(r.statusCode()).as(what).isEqualTo(400);
    assertThat(JSON.readTree(r.body()).get("error").asText()).isNotBlank();
    assertThat(userCount()).isEqualTo(before);
  }

  @Test
  void bulk_oneBadItemAmongThousands_insertsNothing() throws Exception {
    long before = userCount();
    StringBuilder body = new StringBuilder("[");
    for (int i = 0; i < 3000; i++) {
      String name = i == 2999 ? "x".repeat(101) : "Item " + i;
      body.append(i == 0 ? "" : ",").append("{\"name\":\"").append(name).append("\"}");
    }
    body.append(']');

    HttpResponse<String> r = post("/users/bulk", "application/json", body.toString().getBytes());

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("item 2999");
    assertThat(userCount()).isEqualTo(before);
  }

  @Test
  void bulk_overTheBodyLimit_is413() throws Exception {
    byte[] big = new byte[50 * 1024 * 1024];
    java.util.Arrays.fill(big, (byte) ' ');

    HttpResponse<String> r = post("/users/bulk", "application/json", big);

    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(r.body()).contains("exceeds the limit");
  }

  @Test
  void bulk_wrongContentType_is415() throws Exception {
    HttpResponse<String> r = post("/users/bulk", "text/plain", "[{\"name\":\"a\"}]".getBytes());

    assertThat(r.statusCode()).isEqualTo(415);
  }
}
