package dev.bulwark.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class LoadGenStatsTest {

  @Test
  void percentile_usesNearestRank() {
    long[] oneToHundred = LongStream.rangeClosed(1, 100).toArray();

    assertThat(LoadGenStats.percentile(oneToHundred, 50)).isEqualTo(50);
    assertThat(LoadGenStats.percentile(oneToHundred, 90)).isEqualTo(90);
    assertThat(LoadGenStats.percentile(oneToHundred, 99)).isEqualTo(99);
    assertThat(LoadGenStats.percentile(oneToHundred, 99.5)).isEqualTo(100);
    assertThat(LoadGenStats.percentile(oneToHundred, 100)).isEqualTo(100);
    assertThat(LoadGenStats.percentile(oneToHundred, 0.001)).isEqualTo(1);
  }

  @Test
  void percentile_ofFewValuesRoundsTheRankUp() {
    long[] values = {10, 20, 30, 40};

    assertThat(LoadGenStats.percentile(values, 25)).isEqualTo(10);
    assertThat(LoadGenStats.percentile(values, 26)).isEqualTo(20);
    assertThat(LoadGenStats.percentile(values, 50)).isEqualTo(20);
    assertThat(LoadGenStats.percentile(values, 99)).isEqualTo(40);
    assertThat(LoadGenStats.percentile(new long[] {7}, 99)).isEqualTo(7);
  }

  @Test
  void percentile_ofNothingIsNaN() {
    assertThat(LoadGenStats.percentile(new long[0], 99)).isNaN();
  }

  @Test
  void percentile_refusesPOutsideZeroToHundred() {
    assertThatThrownBy(() -> LoadGenStats.percentile(new long[] {1}, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("p must be in (0, 100], but was 0.0");
    assertThatThrownBy(() -> LoadGenStats.percentile(new long[] {1}, 100.1))
        .hasMessage("p must be in (0, 100], but was 100.1");
  }

  @Test
  void buckets_countEachValueInTheFirstBucketWhoseBoundHoldsIt() {
    long ms = 1_000_000L;
    long[] sorted = {0, ms, ms + 1, 20 * ms, 201 * ms, 20_000 * ms};

    long[] counts = LoadGenStats.buckets(sorted);

    assertThat(LoadGenStats.BUCKET_MS).startsWith(1, 2, 5, 10, 20, 50, 100, 200, 350);
    assertThat(counts).hasSize(LoadGenStats.BUCKET_MS.length + 1);
    assertThat(counts[0]).as("<= 1 ms").isEqualTo(2);
    assertThat(counts[1]).as("<= 2 ms").isEqualTo(1);
    assertThat(counts[4]).as("<= 20 ms").isEqualTo(1);
    assertThat(counts[8]).as("<= 350 ms").isEqualTo(1);
    assertThat(counts[counts.length - 1]).as("more").isEqualTo(1);
    assertThat(LongStream.of(counts).sum()).isEqualTo(sorted.length);
  }

  @Test
  void report_countsStatusesSeparatesLatenciesAndEndsWithResultLine() {
    LoadGenStats stats = new LoadGenStats();
    for (int i = 1; i <= 100; i++) {
      stats.response(200, false, i * 1_000_000L); // 1..100 ms
    }
    for (int i = 1; i <= 10; i++) {
      stats.response(503, i <= 9, i * 100_000L); // 0.1..1.0 ms, one without Retry-After
    }
    stats.response(400, false, 5_000_000L);
    stats.error(new IOException("Connection refused"));
    stats.timeout();
    stats.sendLag(1_500_000L);
    stats.sendLag(500_000L);
    LoadGenOptions options = LoadGenOptions.parse("--url", "http://127.0.0.1:1/x", "--rate", "10");

    String report = stats.report(options, 113, 10.0);

    Map<String, String> result = resultFields(report);
    assertThat(result).containsEntry("status200", "100").containsEntry("status503", "10")
        .containsEntry("other", "1").containsEntry("errors", "2").containsEntry("timeouts", "1")
        .containsEntry("p99_200_ms", "99.00").containsEntry("max_200_ms", "100.00")
        .containsEntry("p99_503_ms", "1.00").containsEntry("p50_503_ms", "0.50")
        .containsEntry("retryAfter503", "9").containsEntry("sent", "113")
        .containsEntry("rate", "10.0").containsEntry("max_send_lag_ms", "1.50");
    assertThat(report).contains("status 503  10 (9 with Retry-After)")
        .contains("1 x IOException: Connection refused");
  }

  @Test
  void report_withoutResponsesPrintsNaNLatencies() {
    LoadGenStats stats = new LoadGenStats();
    LoadGenOptions options = LoadGenOptions.parse("--url", "http://127.0.0.1:1/x", "--rate", "10");

    Map<String, String> result = resultFields(stats.report(options, 0, 0));

    assertThat(result).containsEntry("status200", "0").containsEntry("p99_200_ms", "NaN")
        .containsEntry("p99_503_ms", "NaN");
  }

  private static Map<String, String> resultFields(String report) {
    String[] lines = report.split("\n");
    String last = lines[lines.length - 1];
    assertThat(last).startsWith("RESULT ");
    Map<String, String> fields = new HashMap<>();
    Arrays.stream(last.substring(7).trim().split(" ")).forEach(kv -> {
      String[] p = kv.split("=", 2);
      fields.put(p[0], p[1]);
    });
    return fields;
  }
}
