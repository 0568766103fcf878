package dev.bulwark.examples.shop;

import static dev.bulwark.examples.shop.ShopCacheTest.JSON;
import static dev.bulwark.examples.shop.ShopCacheTest.computedAts;
import static dev.bulwark.examples.shop.ShopCacheTest.counter;
import static dev.bulwark.examples.shop.ShopCacheTest.get;
import static dev.bulwark.examples.shop.ShopCacheTest.getAsync;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.bulwark.cache.CacheHealth;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The shop's response cache with Redis (two-level): two shops in this JVM, each with its own
 * Vert.x and H2 database, share {@code redis://127.0.0.1:6379}. Concurrent cold requests to
 * {@code /expensive} spread over both compute it once in the cluster, and garbage under the
 * shop's Redis key is a miss that recomputes, never a 5xx. Before the tests the shop's keys (and
 * leases) for these caches are deleted; nothing else in Redis is touched. A missing product's 404,
 * cached by one shop, is served by the other from Redis without a query.
 */
class ShopCacheRedisIT {

  private static final String EXPENSIVE = "http.GET_expensive";
  private static final String PRODUCT = "http.GET_products_id_cached";
  private static final String PRODUCT_404 = PRODUCT + ".404";
  private static final String PRODUCT_7 =
      "{\"id\":7,\"name\":\"Product 7\",\"priceCents\":49,\"description\":\"Description of product 7\"}";

  private static Shop a;
  private static Shop b;

  @BeforeAll
  static void start() throws Exception {
    Servers.assumeRedis();
    try (Redis redis = new Redis()) {
      for (String cache : List.of(EXPENSIVE, PRODUCT, PRODUCT_404)) {
        redis.deleteMatching("bulwark:" + cache + ":*");
        redis.deleteMatching("bulwarklease:" + cache + ":*");
      }
    }
    a = ShopCacheTest.start("jdbc:h2:mem:shopcache-redis-a;DB_CLOSE_DELAY=-1", Servers.REDIS_URL);
    b = ShopCacheTest.start("jdbc:h2:mem:shopcache-redis-b;DB_CLOSE_DELAY=-1", Servers.REDIS_URL);
    awaitRedisInUse(a);
    awaitRedisInUse(b);
  }

  /** A slow first connect opens the breaker; its probe closes it once Redis answers. */
  private static void awaitRedisInUse(Shop shop) {
    await().atMost(Duration.ofSeconds(15)).until(
        () -> shop.server().cacheManager().health().status() == CacheHealth.Status.UP);
  }

  private static String health() {
    StringBuilder sb = new StringBuilder();
    for (Shop s : new Shop[] {a, b}) {
      sb.append(s == a ? "shop a: " : "; shop b: ").append(s.server().cacheManager().health());
      for (String cache : List.of(EXPENSIVE, PRODUCT, PRODUCT_404)) {
        var errors = s.server().meterRegistry().find("bulwark.cache.redis.errors").tags("cache", cache).counter();
        sb.append(", ").append(cache).append(" redis errors ").append(errors == null ? 0 : errors.count());
      }
    }
    return sb.toString();
  }

  @AfterAll
  static void stop() throws Exception {
    for (Shop s : new Shop[] {a, b}) {
      if (s != null) {
        s.drain().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void expensive_coldConcurrentRequestsOnTwoShops_computeOnceInTheCluster() throws Exception {
    List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      responses.add(getAsync(a, "/expensive"));
      responses.add(getAsync(b, "/expensive"));
    }

    assertThat(computedAts(responses)).as(ShopCacheRedisIT::health).hasSize(1);
    double loads = counter(a, "bulwark.cache.loads", EXPENSIVE, "success")
        + counter(b, "bulwark.cache.loads", EXPENSIVE, "success");
    assertThat(loads).as(ShopCacheRedisIT::health).isEqualTo(1.0);
  }

  @Test
  void productCached_missingProductsA404_isServedByTheOtherShopFromRedis_withoutAQuery() throws Exception {
    HttpResponse<String> onA = get(a, "/products/99997/cached");
    long queriesOnB = ShopCacheTest.queries(b, "product-by-id");

    HttpResponse<String> onB = get(b, "/products/99997/cached");
    HttpResponse<String> onBAgain = get(b, "/products/99997/cached");

    assertThat(onA.statusCode()).as("status on a, %s", health()).isEqualTo(404);
    assertThat(onA.body()).isEqualTo("{\"error\":\"product 99997 not found\"}");
    for (HttpResponse<String> r : List.of(onB, onBAgain)) {
      assertThat(r.statusCode()).isEqualTo(404);
      assertThat(r.body()).isEqualTo(onA.body());
      assertThat(r.headers().firstValue("etag")).isEqualTo(onA.headers().firstValue("etag"));
    }
    assertThat(ShopCacheTest.queries(b, "product-by-id")).as(ShopCacheRedisIT::health).isEqualTo(queriesOnB);
  }

  /** Bytes that are not a cache entry, and an entry header whose payload is not a response. */
  @ParameterizedTest
  @ValueSource(strings = {"random", "entry-header-then-garbage", "entry-header-then-truncated-response"})
  void garbageInRedis_isAMiss_thatRecomputes_neverA5xx(String kind) throws Exception {
    HttpResponse<String> first = get(a, "/products/7/cached");
    assertThat(first.statusCode()).isEqualTo(200);
    List<String> keys;
    try (Redis redis = new Redis()) {
      keys = redis.keys("bulwark:" + PRODUCT + ":*");
      assertThat(keys).as(() -> "the shop's Redis keys for /products/7/cached; " + health()).isNotEmpty();
      for (String key : keys) {
        redis.setBytes(key, garbage(kind), 60_000);
      }
    }

    // A fresh instance: its local tier is empty, so it must read what is in Redis.
    Shop fresh = ShopCacheTest.start("jdbc:h2:mem:shopcache-redis-a;DB_CLOSE_DELAY=-1", Servers.REDIS_URL);
    try {
      awaitRedisInUse(fresh);
      HttpResponse<String> r = get(fresh, "/products/7/cached");

      assertThat(r.statusCode()).as("status, body %s", r.body()).isEqualTo(200);
      assertThat(r.body()).isEqualTo(PRODUCT_7);
      assertThat(r.headers().firstValue("etag")).isEqualTo(first.headers().firstValue("etag"));
      assertThat(counter(fresh, "bulwark.cache.loads", PRODUCT, "success")).isEqualTo(1.0);
      assertThat(fresh.server().meterRegistry().find("bulwark.cache.decode.errors")
          .tags("cache", PRODUCT).counter().count()).isGreaterThanOrEqualTo(1.0);
      try (Redis redis = new Redis()) {
        for (String key : keys) {
          assertThat(redis.getBytes(key)).as("the entry rewritten after the miss").isNotEqualTo(garbage(kind));
        }
      }
      assertThat(JSON.readTree(get(fresh, "/products/7/cached").body()).get("id").asLong()).isEqualTo(7);
    } finally {
      fresh.drain().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  private static byte[] garbage(String kind) {
    switch (kind) {
      case "random": {
        byte[] bytes = new byte[64];
        new java.util.Random(7).nextBytes(bytes);
        bytes[0] = 0x13;
        return bytes;
      }
      case "entry-header-then-garbage":
        return entry(new byte[] {(byte) 0xFF, 0x00, 0x7F, 'x', 'y', 'z'});
      default:
        // Format 1, status 200, 3 headers promised, then nothing.
        return entry(new byte[] {1, 0, (byte) 200, 0, 3});
    }
  }

  /** The cache's Redis layout (0xB1, version 1, fresh-until epoch ms) around {@code payload}. */
  private static byte[] entry(byte[] payload) {
    return ByteBuffer.allocate(10 + payload.length).put((byte) 0xB1).put((byte) 1)
        .putLong(System.currentTimeMillis() + 60_000).put(payload).array();
  }

  /** Just enough of the Redis protocol (RESP) for these tests, over a plain socket. */
  private static final class Redis implements AutoCloseable {
    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;

    Redis() throws IOException {
      socket = new Socket();
      socket.connect(new InetSocketAddress(Servers.REDIS_HOST, Servers.REDIS_PORT), 2000);
      socket.setSoTimeout(5000);
      out = socket.getOutputStream();
      in = new BufferedInputStream(socket.getInputStream());
    }

    List<String> keys(String pattern) throws IOException {
      List<String> keys = new ArrayList<>();
      String cursor = "0";
      do {
        List<?> reply = (List<?>) command("SCAN", cursor, "MATCH", pattern, "COUNT", "1000");
        cursor = text(reply.get(0));
        for (Object k : (List<?>) reply.get(1)) {
          keys.add(text(k));
        }
      } while (!cursor.equals("0"));
      return keys;
    }

    void deleteMatching(String pattern) throws IOException {
      for (String key : keys(pattern)) {
        command("DEL", key);
      }
    }

    void setBytes(String key, byte[] value, long ttlMillis) throws IOException {
      Object reply = command("SET".getBytes(StandardCharsets.UTF_8), key.getBytes(StandardCharsets.UTF_8),
          value, "PX".getBytes(StandardCharsets.UTF_8), Long.toString(ttlMillis).getBytes(StandardCharsets.UTF_8));
      assertThat(reply).isEqualTo("OK");
    }

    byte[] getBytes(String key) throws IOException {
      return (byte[]) command("GET", key);
    }

    private Object command(String... args) throws IOException {
      byte[][] bytes = new byte[args.length][];
      for (int i = 0; i < args.length; i++) {
        bytes[i] = args[i].getBytes(StandardCharsets.UTF_8);
      }
      return command(bytes);
    }

    private Object command(byte[]... args) throws IOException {
      ByteArrayOutputStream req = new ByteArrayOutputStream();
      req.write(("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
      for (byte[] a : args) {
        req.write(("$" + a.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        req.write(a);
        req.write("\r\n".getBytes(StandardCharsets.US_ASCII));
      }
      out.write(req.toByteArray());
      out.flush();
      return read();
    }

    private Object read() throws IOException {
      int type = in.read();
      String line = line();
      switch (type) {
        case '+':
          return line;
        case '-':
          throw new IOException("Redis error: " + line);
        case ':':
          return Long.parseLong(line);
        case '$': {
          int n = Integer.parseInt(line);
          if (n < 0) {
            return null;
          }
          byte[] data = in.readNBytes(n);
          in.readNBytes(2);
          return data;
        }
        case '*': {
          int n = Integer.parseInt(line);
          List<Object> items = new ArrayList<>(Math.max(0, n));
          for (int i = 0; i < n; i++) {
            items.add(read());
          }
          return items;
        }
        default:
          throw new IOException("unexpected Redis reply type " + type);
      }
    }

    private String line() throws IOException {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      int c;
      while ((c = in.read()) != '\r') {
        if (c < 0) {
          throw new IOException("Redis closed the connection");
        }
        b.write(c);
      }
      in.read();
      return b.toString(StandardCharsets.UTF_8);
    }

    private static String text(Object bulk) {
      return new String((byte[]) bulk, StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
