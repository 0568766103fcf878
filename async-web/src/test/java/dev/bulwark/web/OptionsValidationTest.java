package dev.bulwark.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Options and value types refuse bad values in the setter or constructor, naming the option, the
 * rule and the value; they never silently fix one.
 */
class OptionsValidationTest {

  static Stream<Arguments> badOptions() {
    return Stream.of(
        Arguments.of((Consumer<ServerOptions.Builder>) b -> b.port(-1),
            "port must be between 0 and 65535, but was -1"),
        Arguments.of((Consumer<ServerOptions.Builder>) b -> b.port(65536),
            "port must be between 0 and 65535, but was 65536"),
        Arguments.of((Consumer<ServerOptions.Builder>) b -> b.host(" "), "host must not be empty, but was ' '"),
        Arguments.of((Consumer<ServerOptions.Builder>) b -> b.eventLoops(0), "eventLoops must be >= 1, but was 0"),
        Arguments.of((Consumer<ServerOptions.Builder>) b -> b.maxBodySize(0),
            "maxBodySize must be >= 1 byte, but was 0"),
        Arguments.of((Consumer<ServerOptions.Builder>) b -> b.maxHeaderSize(255),
            "maxHeaderSize must be >= 256 bytes, but was 255"),
        Arguments.of((Consumer<ServerOptions.Builder>) b -> b.maxInitialLineLength(63),
            "maxInitialLineLength must be >= 64 bytes, but was 63"),
        Arguments.of((Consumer<ServerOptions.Builder>) b -> b.idleTimeout(Duration.ofSeconds(-1)),
            "idleTimeout must be >= 0, but was PT-1S"),
        Arguments.of((Consumer<ServerOptions.Builder>) b -> b.idleTimeout(Duration.ofNanos(1_500_000)),
            "idleTimeout must be 0 or a whole number of milliseconds, but was PT0.0015S"),
        Arguments.of((Consumer<ServerOptions.Builder>) b -> b.idleTimeout(Duration.ofMillis(Integer.MAX_VALUE + 1L)),
            "idleTimeout must be at most 2147483647 ms, but was PT596H31M23.648S"),
        Arguments.of((Consumer<ServerOptions.Builder>) b -> b.writeStallTimeout(Duration.ofSeconds(-1)),
            "writeStallTimeout must be >= 0, but was PT-1S"),
        Arguments.of((Consumer<ServerOptions.Builder>) b -> b.writeStallTimeout(Duration.ofNanos(500_000)),
            "writeStallTimeout must be 0 or a whole number of milliseconds, but was PT0.0005S"),
        Arguments.of((Consumer<ServerOptions.Builder>) b -> b.drainDelay(Duration.ofNanos(2_000_001)),
            "drainDelay must be 0 or a whole number of milliseconds, but was PT0.002000001S"),
        Arguments.of((Consumer<ServerOptions.Builder>) b -> b.headerReadTimeout(null),
            "headerReadTimeout must be >= 0, but was null"),
        Arguments.of((Consumer<ServerOptions.Builder>) b -> b.maxConnections(0),
            "maxConnections must be >= 1, but was 0"),
        Arguments.of((Consumer<ServerOptions.Builder>) b -> b.drainGrace(null), "drainGrace must be >= 0, but was null"),
        Arguments.of((Consumer<ServerOptions.Builder>) b -> b.drainDelay(Duration.ofMillis(-1)),
            "drainDelay must be >= 0, but was PT-0.001S"),
        Arguments.of((Consumer<ServerOptions.Builder>) b -> WarmUp.builder().maxRequests(0),
            "maxRequests must be >= 1, but was 0"),
        Arguments.of((Consumer<ServerOptions.Builder>) b -> WarmUp.builder().maxDuration(Duration.ZERO),
            "maxDuration must be > 0, but was PT0S"),
        Arguments.of((Consumer<ServerOptions.Builder>) b -> WarmUp.builder().concurrency(257),
            "concurrency must be between 1 and 256, but was 257"),
        Arguments.of((Consumer<ServerOptions.Builder>) b -> WarmUp.builder().paths("hello"),
            "warm-up path must start with '/', but was 'hello'"),
        Arguments.of((Consumer<ServerOptions.Builder>) b -> b.workerPool("bad name", p -> { }),
            "name must be 1-64 letters, digits, '-', '_' or '.', but was 'bad name'"),
        Arguments.of((Consumer<ServerOptions.Builder>) b -> b.workerPool("reports", p -> p.maxConcurrency(0)),
            "maxConcurrency must be >= 1, but was 0"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("badOptions")
  void badOption_isRefusedInTheSetter(Consumer<ServerOptions.Builder> setter, String message) {
    assertThatThrownBy(() -> setter.accept(ServerOptions.builder()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }

  @Test
  void defaults_matchTheDocumentedConstants() {
    ServerOptions o = ServerOptions.defaults();

    assertThat(o.port()).isEqualTo(8080);
    assertThat(o.host()).isEqualTo("0.0.0.0");
    assertThat(o.eventLoops()).isEqualTo(Runtime.getRuntime().availableProcessors());
    assertThat(o.maxBodySize()).isEqualTo(1_048_576);
    assertThat(o.maxHeaderSize()).isEqualTo(8192);
    assertThat(o.maxInitialLineLength()).isEqualTo(4096);
    assertThat(o.idleTimeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(o.writeStallTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(o.headerReadTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(o.maxConnections()).isEqualTo(10_000);
    assertThat(o.drainGrace()).isEqualTo(Duration.ofSeconds(30));
    assertThat(o.drainDelay()).isEqualTo(Duration.ZERO);
    assertThat(o.warmUp()).isNull();
    assertThat(o.workerPools()).containsOnlyKeys("default");
  }

  @Test
  void drainDelayLongerThanTheGrace_isRefusedAtBuild() {
    ServerOptions.Builder b = ServerOptions.builder().drainGrace(Duration.ofSeconds(5))
        .drainDelay(Duration.ofSeconds(6));

    assertThatThrownBy(b::build).isInstanceOf(IllegalStateException.class)
        .hasMessage("drainDelay must be <= drainGrace (PT5S), but was PT6S");
  }

  @Test
  void warmUpWithoutPaths_isRefusedAtBuild() {
    assertThatThrownBy(() -> WarmUp.builder().build()).isInstanceOf(IllegalStateException.class)
        .hasMessage("a warm-up needs at least one path");
  }

  @Test
  void writeStallTimeoutNotShorterThanTheIdleTimeout_isRefusedAtBuild() {
    ServerOptions.Builder b = ServerOptions.builder().idleTimeout(Duration.ofSeconds(5))
        .writeStallTimeout(Duration.ofSeconds(5));

    assertThatThrownBy(b::build).isInstanceOf(IllegalStateException.class)
        .hasMessage("writeStallTimeout must be shorter than idleTimeout (PT5S), but was PT5S");
    assertThat(b.writeStallTimeout(Duration.ZERO).build().writeStallTimeout()).isZero();
    assertThat(ServerOptions.builder().idleTimeout(Duration.ofSeconds(5)).build().writeStallTimeout())
        .as("the default, not set: a shorter idle timeout acts first")
        .isEqualTo(ServerOptions.DEFAULT_WRITE_STALL_TIMEOUT);
  }

  @Test
  void builtOptions_areNotChangedByTheBuilderLater() {
    ServerOptions.Builder builder = ServerOptions.builder().port(1234);
    ServerOptions built = builder.build();

    builder.port(5678).workerPool("reports", p -> { });

    assertThat(built.port()).isEqualTo(1234);
    assertThat(built.workerPools()).containsOnlyKeys("default");
    assertThatThrownBy(() -> built.workerPools().put("x", p -> { }))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void response_refusesBadStatusAndHeaders() {
    assertThatThrownBy(() -> Response.status(99)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("status must be between 100 and 599, but was 99");
    assertThatThrownBy(() -> Response.ok("x").withHeader("", "v"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Response.ok("x").withHeader("X-A", null))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void response_withHeaderReturnsACopy() {
    Response<String> plain = Response.ok("x");
    Response<String> withHeader = plain.withHeader("X-A", "1").withHeader("X-A", "2");

    assertThat(plain.headers()).isEmpty();
    assertThat(withHeader.headers()).extracting(e -> e.getKey() + "=" + e.getValue())
        .containsExactly("X-A=1", "X-A=2");
    assertThat(withHeader.status()).isEqualTo(200);
    assertThat(withHeader.body()).isEqualTo("x");
  }

  @Test
  void httpException_refusesNonErrorStatusAndHasNoStackTrace() {
    assertThatThrownBy(() -> new HttpException(302, "moved"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("status must be between 400 and 599, but was 302");

    HttpException e = new HttpException(409, "conflict");
    assertThat(e.status()).isEqualTo(409);
    assertThat(e.getStackTrace()).isEmpty();
  }
}
