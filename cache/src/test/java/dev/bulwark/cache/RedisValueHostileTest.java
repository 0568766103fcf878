package dev.bulwark.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.bulwark.core.testing.PrivateRedis;
import dev.bulwark.core.testing.Scorecard;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Values in Redis this cache must not use: one far larger than {@code maxValueBytes} (which would
 * cost its size in memory on every instance that read it), one a byte over the bound, a list, a
 * hash, and forged frames (Java serialization, truncated, foreign, unknown version, fresh for
 * years). Each is a miss (the value is computed), counted in {@code bulwark.cache.decode.errors},
 * never a Redis error that counts against the breaker; and the oversized value never crosses the
 * network, as Redis's own output byte count shows. A value at the bound is read; one that would
 * encode over it is kept local and not written.
 */
class RedisValueHostileTest {

  private static final int MAX = 4096;
  private static final int HEADER = 10;

  private Vertx vertx;
  private PrivateRedis redis;
  private CacheManager manager;
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    redis = PrivateRedis.start();
    manager = CacheManager.create(vertx, CacheOptions.builder()
        .redisUrl(redis.url())
        .redisTimeout(Duration.ofSeconds(5))
        .maxValueBytes(MAX)
        .meterRegistry(registry)
        .build());
    await().atMost(Duration.ofSeconds(30)).until(() -> manager.health().status() == CacheHealth.Status.UP);
  }

  @AfterEach
  void stop() throws Exception {
    try {
      manager.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } finally {
      try {
        redis.close();
      } finally {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void hugeOversizedOrForeignValues_areAMiss_neverTransferred_neverABreakerFailure() throws Exception {
    Cache<byte[]> cache = manager.cache("hostile", CachePolicy.ttl(Duration.ofMinutes(5))
        .withTier(CacheTier.SHARED), Codecs.bytes());
    // 32 MiB in a valid frame: read whole, it would decode into a 32 MiB value.
    rawSet("bulwark:hostile:huge", frame(new byte[32 << 20]));
    rawSet("bulwark:hostile:over", frame(new byte[MAX - HEADER + 1]));
    rawSet("bulwark:hostile:at", frame(filled(MAX - HEADER, (byte) 7)));
    redis.cli("RPUSH", "bulwark:hostile:list", "a", "b");
    redis.cli("HSET", "bulwark:hostile:hash", "f", "v");
    // Forged or broken frames of a fitting size: a Java serialization stream (a gadget chain
    // starts so), a truncated header, another program's text, an unknown version, an entry
    // claiming to stay fresh for ten years.
    rawSet("bulwark:hostile:javaser", new byte[] {(byte) 0xAC, (byte) 0xED, 0, 5, 0x73, 0x72, 0, 1, 0x41,
        0, 0, 0, 0, 0});
    rawSet("bulwark:hostile:truncated", new byte[] {(byte) 0xB1, 1, 0, 0});
    rawSet("bulwark:hostile:text", "{\"price\": 1}".getBytes(StandardCharsets.UTF_8));
    byte[] version = frame(new byte[] {1, 2, 3});
    version[1] = 9;
    rawSet("bulwark:hostile:version", version);
    rawSet("bulwark:hostile:forever", ByteBuffer.allocate(HEADER + 1).put((byte) 0xB1).put((byte) 1)
        .putLong(System.currentTimeMillis() + Duration.ofDays(3650).toMillis()).put((byte) 1).array());
    String[] keys = {"huge", "over", "list", "hash", "javaser", "truncated", "text", "version", "forever"};

    long outBefore = netOutputBytes();
    int computed = 0;
    for (String key : keys) {
      byte[] v = LocalCacheTest.await(cache.get(key, () -> Future.succeededFuture(key.getBytes(StandardCharsets.UTF_8))));
      assertThat(new String(v, StandardCharsets.UTF_8)).as(key + ": computed, not read").isEqualTo(key);
      computed++;
    }
    long sent = netOutputBytes() - outBefore;
    assertThat(sent).as("bytes Redis sent for these reads, their loads' writes and events")
        .isLessThan(64 * 1024);
    // Each miss reads twice (before and after taking the lease), and the load then replaces the value.
    assertThat(counter("bulwark.cache.decode.errors")).as("reads refused")
        .isBetween((double) keys.length, 2.0 * keys.length);
    assertThat(counter("bulwark.cache.redis.errors")).as("Redis errors (breaker failures)").isZero();
    assertThat(manager.health().breakerState()).isEqualTo(BreakerState.CLOSED);

    // Exactly at the bound: read and used.
    byte[] at = LocalCacheTest.await(cache.get("at", () -> Future.failedFuture("must be read from Redis")));
    assertThat(at).hasSize(MAX - HEADER).containsOnly((byte) 7);

    Scorecard.hostile(RedisValueHostileTest.class, "oversized and foreign Redis values",
        "a 32 MiB value, a value one byte over maxValueBytes, a list, a hash, a Java serialization"
            + " stream, a truncated frame, foreign JSON, an unknown version, a ten-year freshness",
        Scorecard.figures("cases", keys.length, "computedInstead", computed,
            "refusedReads", (long) counter("bulwark.cache.decode.errors"), "bytesSentByRedis", sent,
            "redisErrors", (long) counter("bulwark.cache.redis.errors")));
  }

  @Test
  void aValueThatWouldEncodeOverTheBound_isKeptLocal_andNotWritten() throws Exception {
    Cache<byte[]> cache = manager.cache("big", CachePolicy.ttl(Duration.ofMinutes(5))
        .withTier(CacheTier.TWO_LEVEL), Codecs.bytes());
    byte[] big = filled(MAX - HEADER + 1, (byte) 1);
    assertThat(LocalCacheTest.await(cache.get("k", () -> Future.succeededFuture(big)))).isEqualTo(big);
    assertThat(cache.getIfPresent("k")).as("kept locally").isEqualTo(big);
    assertThat(redis.exists("bulwark:big:k")).as("written to Redis").isFalse();
    assertThat(counter("bulwark.cache.oversize.skips")).isEqualTo(1);

    byte[] fits = filled(MAX - HEADER, (byte) 2);
    assertThat(LocalCacheTest.await(cache.get("j", () -> Future.succeededFuture(fits)))).isEqualTo(fits);
    await().atMost(Duration.ofSeconds(10)).until(() -> redis.exists("bulwark:big:j"));
  }

  @Test
  void maxValueBytes_isValidatedWithTheOptionTheRuleAndTheValue() {
    assertThat(CacheOptions.builder().build().maxValueBytes()).isEqualTo(1 << 20);
    assertThatThrownBy(() -> CacheOptions.builder().maxValueBytes(15))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxValueBytes must be between 16 and 536870912, but was 15");
    assertThatThrownBy(() -> CacheOptions.builder().maxValueBytes(Integer.MAX_VALUE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageEndingWith("but was " + Integer.MAX_VALUE);
  }

  private double counter(String name) {
    return registry.find(name).counters().stream().mapToDouble(c -> c.count()).sum();
  }

  private long netOutputBytes() throws Exception {
    Matcher m = Pattern.compile("(?m)^total_net_output_bytes:(\\d+)").matcher(redis.cli("INFO", "stats"));
    assertThat(m.find()).isTrue();
    return Long.parseLong(m.group(1));
  }

  /** A frame as the cache writes it, fresh for a minute: {@code [0xB1, 1, freshUntil:8, payload]}. */
  private static byte[] frame(byte[] payload) {
    return ByteBuffer.allocate(HEADER + payload.length).put((byte) 0xB1).put((byte) 1)
        .putLong(System.currentTimeMillis() + 60_000).put(payload).array();
  }

  private static byte[] filled(int n, byte b) {
    byte[] a = new byte[n];
    Arrays.fill(a, b);
    return a;
  }

  /** SET over a plain socket (RESP), for values too large for a command line. */
  private void rawSet(String key, byte[] value) throws Exception {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    head.write(("*3\r\n$3\r\nSET\r\n$" + k.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
    head.write(k);
    head.write(("\r\n$" + value.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
    try (Socket s = new Socket("127.0.0.1", redis.port())) {
      s.setSoTimeout(30_000);
      OutputStream out = s.getOutputStream();
      out.write(head.toByteArray());
      out.write(value);
      out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      byte[] reply = new byte[5];
      int n = in.readNBytes(reply, 0, 5);
      assertThat(new String(reply, 0, n, StandardCharsets.US_ASCII)).isEqualTo("+OK\r\n");
    }
  }
}
