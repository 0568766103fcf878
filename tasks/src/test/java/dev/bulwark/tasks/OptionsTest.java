package dev.bulwark.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Builders validate each value when it is set, naming the option, the rule and the value. */
class OptionsTest {

  @Test
  void defaults_areTheDocumentedConstants() {
    TaskQueueOptions o = TaskQueueOptions.builder().build();
    assertThat(o.name()).isEqualTo("default");
    assertThat(o.usesRedis()).isFalse();
    assertThat(o.runWorkers()).isTrue();
    assertThat(o.resultTtl()).isEqualTo(Duration.ofDays(1));
    assertThat(o.visibilityTimeout()).isEqualTo(TaskQueueOptions.DEFAULT_VISIBILITY_TIMEOUT);
    assertThat(o.maxAttempts()).isEqualTo(TaskQueueOptions.DEFAULT_MAX_ATTEMPTS);
    assertThat(o.maxQueued()).isEqualTo(TaskQueueOptions.DEFAULT_MAX_QUEUED);
    assertThat(o.timeLimit()).isZero();
    assertThat(o.consumerName()).isNotBlank();
  }

  @Test
  void setters_rejectBadValuesWithOptionRuleAndValue() {
    TaskQueueOptions.Builder b = TaskQueueOptions.builder();
    assertThatThrownBy(() -> b.visibilityTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("visibilityTimeout must be > 0, but was PT0S");
    assertThatThrownBy(() -> b.concurrency(0)).hasMessage("concurrency must be >= 1, but was 0");
    assertThatThrownBy(() -> b.maxQueued(-3)).hasMessage("maxQueued must be >= 1, but was -3");
    assertThatThrownBy(() -> b.maxAttempts(0)).hasMessage("maxAttempts must be >= 1, but was 0");
    assertThatThrownBy(() -> b.resultTtl(Duration.ofSeconds(-1))).hasMessage("resultTtl must be > 0, but was PT-1S");
    assertThatThrownBy(() -> b.timeLimit(Duration.ofSeconds(-1))).hasMessage("timeLimit must be >= 0, but was PT-1S");
    assertThatThrownBy(() -> b.name("a b")).hasMessage("name must be 1-64 letters, digits, '-', '_' or '.', but was 'a b'");
    assertThatThrownBy(() -> b.redis("localhost:6379"))
        .hasMessage("redis must start with redis:// or rediss://, but was 'localhost:6379'");
    assertThatThrownBy(() -> b.redisNodes(List.of())).hasMessage("redisNodes must list at least one node, but was []");
  }

  /**
   * Every duration ends up in a Redis {@code PX} or a millisecond timer: a finer value is refused,
   * not rounded (a 0.5 ms poll interval was once quietly 1 ms).
   */
  static Stream<Arguments> subMillisecondDurations() {
    Duration d = Duration.ofNanos(1_500_000);
    return Stream.of(
        Arguments.of("visibilityTimeout", (Consumer<TaskQueueOptions.Builder>) b -> b.visibilityTimeout(d)),
        Arguments.of("backoffBase", (Consumer<TaskQueueOptions.Builder>) b -> b.backoffBase(d)),
        Arguments.of("backoffMax", (Consumer<TaskQueueOptions.Builder>) b -> b.backoffMax(d)),
        Arguments.of("resultTtl", (Consumer<TaskQueueOptions.Builder>) b -> b.resultTtl(d)),
        Arguments.of("deadLetterTtl", (Consumer<TaskQueueOptions.Builder>) b -> b.deadLetterTtl(d)),
        Arguments.of("pollInterval", (Consumer<TaskQueueOptions.Builder>) b -> b.pollInterval(d)),
        Arguments.of("redisTimeout", (Consumer<TaskQueueOptions.Builder>) b -> b.redisTimeout(d)),
        Arguments.of("timeLimit", (Consumer<TaskQueueOptions.Builder>) b -> b.timeLimit(d)),
        Arguments.of("shutdownGrace", (Consumer<TaskQueueOptions.Builder>) b -> b.shutdownGrace(d)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("subMillisecondDurations")
  void durations_thatAreNotWholeMilliseconds_areRefused(String option, Consumer<TaskQueueOptions.Builder> setter) {
    assertThatThrownBy(() -> setter.accept(TaskQueueOptions.builder()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(option + " must be ")
        .hasMessageContaining("whole number of milliseconds")
        .hasMessageEndingWith(", but was PT0.0015S");
  }

  @Test
  void submitDurations_thatAreNotWholeMilliseconds_areRefused() {
    assertThatThrownBy(() -> SubmitOptions.builder().delay(Duration.ofNanos(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("delay must be 0 or a whole number of milliseconds, but was PT0.000000001S");
    assertThatThrownBy(() -> SubmitOptions.builder().timeLimit(Duration.ofNanos(999_999)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("timeLimit must be a whole number of milliseconds >= 1ms, but was PT0.000999999S");
    assertThat(SubmitOptions.builder().delay(Duration.ofMillis(1)).timeLimit(Duration.ofMillis(1)).build()
        .timeLimit()).isEqualTo(Duration.ofMillis(1));
  }

  @Test
  void conflicts_throwIllegalState() {
    assertThatThrownBy(() -> TaskQueueOptions.builder().redis("redis://a:1").redisNodes(List.of("redis://b:1")))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("exclude each other");
    assertThatThrownBy(() -> TaskQueueOptions.builder().backoffBase(Duration.ofMinutes(10)).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("backoffBase must be <= backoffMax (PT5M), but was PT10M");
    assertThatThrownBy(() -> SubmitOptions.builder().delay(Duration.ofSeconds(1)).notBefore(java.time.Instant.now()))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void submitOptions_validate() {
    assertThatThrownBy(() -> SubmitOptions.builder().timeLimit(Duration.ZERO))
        .hasMessage("timeLimit must be > 0, but was PT0S");
    assertThatThrownBy(() -> SubmitOptions.builder().idempotencyKey(""))
        .hasMessage("idempotencyKey must be 1-200 characters, but was 0 characters");
    assertThatThrownBy(() -> SubmitOptions.builder().maxAttempts(0)).hasMessage("maxAttempts must be >= 1, but was 0");
  }

  @Test
  void taskState_wireNames() {
    assertThat(TaskState.SUCCEEDED.wireName()).isEqualTo("succeeded");
    assertThat(TaskState.fromWireName("dead")).isEqualTo(TaskState.DEAD);
    assertThat(TaskState.DEAD.isFinal()).isTrue();
    assertThat(TaskState.FAILED.isFinal()).isFalse();
  }

  @Test
  void schedule_rejectsBadCronNamingIt() {
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try {
      TaskQueue q = TaskQueue.create(vertx, TaskQueueOptions.builder().build());
      assertThatThrownBy(() -> q.schedule("nightly", "not a cron", "report", java.util.Map.of()))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'not a cron'");
      q.schedule("nightly", "0 0 3 * * *", "report", java.util.Map.of());
      assertThatThrownBy(() -> q.schedule("nightly", "0 0 4 * * *", "report", java.util.Map.of()))
          .hasMessage("schedule 'nightly' exists already");
      assertThatThrownBy(() -> q.register("report", Object.class, (p, c) -> p).register("report", Object.class, (p, c) -> p))
          .isInstanceOf(IllegalStateException.class);
    } finally {
      vertx.close();
    }
  }
}
