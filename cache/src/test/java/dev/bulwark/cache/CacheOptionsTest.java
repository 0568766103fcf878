package dev.bulwark.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bulwark.core.RedisEndpoint;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link CacheOptions#toBuilder()} and the Redis endpoint options. */
class CacheOptionsTest {

  @Test
  void toBuilder_keepsEveryOption() {
    CacheOptions o = CacheOptions.builder()
        .redis(RedisEndpoint.cluster(List.of("redis://10.0.0.1:7000", "redis://10.0.0.2:7000")))
        .redisTimeout(Duration.ofMillis(70)).breakerFailureThreshold(7)
        .breakerOpenDuration(Duration.ofSeconds(3)).leaseTime(Duration.ofSeconds(4))
        .maxLeaderWait(Duration.ofSeconds(5)).localMaximumSize(123).maxValueBytes(4096)
        .ticker(new FakeTicker()).build();

    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    CacheOptions copy = o.toBuilder().meterRegistry(registry).build();

    assertThat(copy).usingRecursiveComparison().ignoringFields("meterRegistry").isEqualTo(o);
    assertThat(copy.meterRegistry()).isSameAs(registry);
  }

  @Test
  void redisUrl_isTheSingleServersUrl_andNullForACluster() {
    assertThat(CacheOptions.builder().redisUrl("redis://h:1").build().redis())
        .isEqualTo(RedisEndpoint.single("redis://h:1"));
    assertThat(CacheOptions.builder().redis(RedisEndpoint.cluster(List.of("redis://h:1"))).build()
        .redisUrl()).isNull();
    assertThat(CacheOptions.builder().build().redis()).isNull();
  }
}
