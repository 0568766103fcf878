package dev.bulwark.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

  @ParameterizedTest(name = "{0} = {1}")
  @CsvSource({
      "200ms, PT0.2S",
      "5s, PT5S",
      "2m, PT2M",
      "2min, PT2M",
      "1h, PT1H",
      "1d, PT24H",
      "500us, PT0.0005S",
      "10ns, PT0.00000001S",
      "0s, PT0S",
      "PT0.2S, PT0.2S",
      "pt1m30s, PT1M30S",
      "P1D, PT24H",
      "' 5S ', PT5S",
      "7 ms, PT0.007S"})
  void parse_readsUnitsAndIso8601(String text, String iso) {
    assertThat(Durations.parse("queueTimeout", text)).isEqualTo(Duration.parse(iso));
  }

  @ParameterizedTest(name = "''{0}''")
  @NullAndEmptySource
  @ValueSource(strings = {" ", "5", "ms", "-5s", "1.5s", "5 sec", "5x", "PT-1S", "P", "abc",
      "99999999999999999999s", "9999999999999999d", "9223372036854775807us"})
  void parse_rejectsNonDurationsNamingOptionAndText(String text) {
    assertThatThrownBy(() -> Durations.parse("queueTimeout", text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("queueTimeout must be a duration such as 200ms, 5s or 2m, but was '" + text + "'");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "PT0.2S, 200ms",
      "PT5S, 5s",
      "PT2M, 2m",
      "PT1H, 60m",
      "PT0.0005S, 500us",
      "PT0.000000010S, 10ns",
      "PT1.5S, 1500ms",
      "PT0S, 0s"})
  void format_isCompact_andParsesBack(String iso, String text) {
    Duration d = Duration.parse(iso);
    assertThat(Durations.format(d)).isEqualTo(text);
    assertThat(Durations.parse("x", Durations.format(d))).isEqualTo(d);
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 999, 1_000, 123_456_789, 60_000_000_000L, 86_400_000_000_000L,
      90_061_001_001_001L})
  void format_thenParse_roundTrips(long nanos) {
    Duration d = Duration.ofNanos(nanos);
    assertThat(Durations.parse("x", Durations.format(d))).isEqualTo(d);
  }
}
