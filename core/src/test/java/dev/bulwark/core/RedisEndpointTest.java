package dev.bulwark.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@link RedisEndpoint}: parsing one option, validation messages, credentials never shown. */
class RedisEndpointTest {

  @Test
  void parse_oneUrlIsAServer_aCommaListIsAClustersNodes() {
    assertThat(RedisEndpoint.parse("--redis", "redis://127.0.0.1:6379"))
        .isEqualTo(RedisEndpoint.single("redis://127.0.0.1:6379"));
    RedisEndpoint cluster = RedisEndpoint.parse("--redis", "redis://a:7000, rediss://b:7001");
    assertThat(cluster.kind()).isEqualTo(RedisEndpoint.Kind.CLUSTER);
    assertThat(cluster.nodes()).containsExactly("redis://a:7000", "rediss://b:7001");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "http://a:1              | --redis must be a redis:// or rediss:// URL, but was 'http://a:1'",
      "redis://a:1,            | --redis must be a redis:// or rediss:// URL, but was ''",
      "redis://a:1,,redis://b:2 | --redis must be a redis:// or rediss:// URL, but was ''",
      "redis//user:pw@a:1      | --redis must be a redis:// or rediss:// URL, but was 'redis//****@a:1'",
  })
  void parse_refusesWhatIsNotARedisUrl_namingTheOption(String text, String message) {
    assertThatThrownBy(() -> RedisEndpoint.parse("--redis", text))
        .isInstanceOf(IllegalArgumentException.class).hasMessage(message);
  }

  @Test
  void sentinel_needsAMasterName_andNodes() {
    assertThatThrownBy(() -> RedisEndpoint.sentinel(" ", List.of("redis://s:26379")))
        .hasMessage("masterName must not be blank, but was ' '");
    assertThatThrownBy(() -> RedisEndpoint.sentinel("m", List.of()))
        .hasMessage("sentinels must list at least one node, but was []");
    assertThat(RedisEndpoint.sentinel("m", List.of("redis://s:26379")).master()).isEqualTo("m");
  }

  @Test
  void toString_masksCredentials() {
    assertThat(RedisEndpoint.cluster(List.of("redis://u:secret@a:1", "redis://b:2")))
        .hasToString("cluster redis://****@a:1,redis://b:2");
    assertThat(RedisEndpoint.sentinel("m", List.of("redis://:pw@s:26379")))
        .hasToString("sentinel m redis://****@s:26379");
  }
}
