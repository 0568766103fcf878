package dev.bulwark.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LoadGenOptionsTest {

  @Test
  void parse_readsEveryOption() {
    LoadGenOptions o = LoadGenOptions.parse("--url", "http://127.0.0.1:18082/blocking?ms=100",
        "--rate", "160", "--duration", "30s", "--warmup", "5s", "--connections", "64",
        "--timeout", "2s", "--event-loops", "2");

    assertThat(o.host()).isEqualTo("127.0.0.1");
    assertThat(o.port()).isEqualTo(18082);
    assertThat(o.requestUri()).isEqualTo("/blocking?ms=100");
    assertThat(o.rate()).isEqualTo(160.0);
    assertThat(o.duration()).isEqualTo(Duration.ofSeconds(30));
    assertThat(o.warmup()).isEqualTo(Duration.ofSeconds(5));
    assertThat(o.connections()).isEqualTo(64);
    assertThat(o.timeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(o.eventLoops()).isEqualTo(2);
  }

  @Test
  void parse_thenAddsPhases_eachWithItsOwnUrl() {
    LoadGenOptions o = LoadGenOptions.parse("--url", "http://127.0.0.1:18083/blocking?ms=20",
        "--rate", "100", "--then", "http://127.0.0.1:18083/blocking/serial?ms=25",
        "--then", "http://localhost:18084/hello");

    assertThat(o.phases()).isEqualTo(3);
    assertThat(o.phase(0).requestUri()).isEqualTo("/blocking?ms=20");
    assertThat(o.phase(1).requestUri()).isEqualTo("/blocking/serial?ms=25");
    assertThat(o.phase(2).host()).isEqualTo("localhost");
    assertThat(o.phase(2).port()).isEqualTo(18084);
    assertThat(o.phase(2).phases()).isEqualTo(1);
    assertThat(o.phase(1).rate()).isEqualTo(100.0);
    assertThatThrownBy(() -> LoadGenOptions.parse("--url", "http://127.0.0.1/", "--rate", "1",
        "--then", "http://10.0.0.1/"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("--then must target a loopback host");
  }

  @Test
  void parse_appliesDefaults() {
    LoadGenOptions o = LoadGenOptions.parse("--url", "http://localhost", "--rate", "0.5");

    assertThat(o.port()).isEqualTo(80);
    assertThat(o.requestUri()).isEqualTo("/");
    assertThat(o.duration()).isEqualTo(LoadGenOptions.DEFAULT_DURATION);
    assertThat(o.warmup()).isEqualTo(Duration.ZERO);
    assertThat(o.connections()).isEqualTo(512);
    assertThat(o.timeout()).isEqualTo(Duration.ofSeconds(10));
  }

  @ParameterizedTest
  @ValueSource(strings = {"http://127.0.0.1:8080/hello", "http://localhost:8080/", "http://[::1]:8080/x",
      "HTTP://LOCALHOST:1/"})
  void parse_acceptsLoopbackHosts(String url) {
    assertThat(LoadGenOptions.parse("--url", url, "--rate", "1").url().toString()).isEqualTo(url);
  }

  @ParameterizedTest
  @ValueSource(strings = {"http://10.0.0.1:8080/", "http://example.com/", "http://127.0.0.1.example.com/",
      "http://0.0.0.0:8080/", "http://[::2]:80/"})
  void parse_refusesNonLoopbackUrl(String url) {
    assertThatThrownBy(() -> LoadGenOptions.parse("--url", url, "--rate", "10"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--url must target a loopback host")
        .hasMessageContaining(url);
  }

  @Test
  void parse_refusesOtherSchemes() {
    assertThatThrownBy(() -> LoadGenOptions.parse("--url", "https://127.0.0.1/", "--rate", "10"))
        .hasMessage("--url must use http://, but was 'https://127.0.0.1/'");
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "-5", "NaN", "Infinity", "2000000"})
  void parse_refusesRateOutOfRange(String rate) {
    assertThatThrownBy(() -> LoadGenOptions.parse("--url", "http://127.0.0.1/", "--rate", rate))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--rate must be > 0 and <= 1000000 requests per second, but was " + rate);
  }

  @Test
  void parse_refusesRateThatIsNotANumber() {
    assertThatThrownBy(() -> LoadGenOptions.parse("--url", "http://127.0.0.1/", "--rate", "fast"))
        .hasMessage("--rate must be a number of requests per second, but was 'fast'");
  }

  @Test
  void parse_refusesMissingRequiredOptions() {
    assertThatThrownBy(() -> LoadGenOptions.parse("--rate", "10"))
        .hasMessageStartingWith("--url is required");
    assertThatThrownBy(() -> LoadGenOptions.parse("--url", "http://127.0.0.1/"))
        .hasMessageStartingWith("--rate is required");
  }

  @Test
  void parse_refusesBadDurationsCountsAndUnknownOptions() {
    String[] base = {"--url", "http://127.0.0.1/", "--rate", "10"};
    assertThatThrownBy(() -> LoadGenOptions.parse(concat(base, "--duration", "0s")))
        .hasMessage("--duration must be > 0, but was '0s'");
    assertThatThrownBy(() -> LoadGenOptions.parse(concat(base, "--warmup", "soon")))
        .hasMessage("--warmup must be a duration such as 200ms, 5s or 2m, but was 'soon'");
    assertThatThrownBy(() -> LoadGenOptions.parse(concat(base, "--connections", "0")))
        .hasMessage("--connections must be >= 1, but was 0");
    assertThatThrownBy(() -> LoadGenOptions.parse(concat(base, "--timeout", "0ms")))
        .hasMessage("--timeout must be > 0, but was '0ms'");
    assertThatThrownBy(() -> LoadGenOptions.parse(concat(base, "--threads", "4")))
        .hasMessageStartingWith("unknown option '--threads'");
    assertThatThrownBy(() -> LoadGenOptions.parse(concat(base, "--duration")))
        .hasMessageStartingWith("--duration needs a value");
  }

  @Test
  void requireLoopback_refusesANameThatDoesNotResolveToLoopback() {
    LoadGen.requireLoopback("127.0.0.1");
    LoadGen.requireLoopback("localhost");
    assertThatThrownBy(() -> LoadGen.requireLoopback("192.0.2.1"))
        .hasMessageContaining("is not a loopback address");
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
