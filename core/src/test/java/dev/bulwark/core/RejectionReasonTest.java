package dev.bulwark.core;

import static dev.bulwark.core.TestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every rejection reason, each produced the way it happens in service, with its retry hint. */
class RejectionReasonTest {

  private final TestSupport.Gate gate = new TestSupport.Gate();
  private final FakeTicker ticker = new FakeTicker();
  private WorkerPool pool;

  @AfterEach
  void release() {
    gate.open();
    if (pool != null) {
      await(pool.close(Duration.ofSeconds(1)));
    }
  }

  private Future<String> reject(RejectionReason reason) throws InterruptedException {
    switch (reason) {
      case QUEUE_FULL:
        pool = WorkerPool.builder().name("r").maxConcurrency(1).maxQueue(0).build();
        pool.submit(gate.task("blocker"));
        gate.awaitEntered(1);
        return pool.submit(() -> "x");
      case QUEUE_TIMEOUT:
        pool = WorkerPool.builder().name("r").maxConcurrency(1).maxQueue(1)
            .queueTimeout(Duration.ofMillis(20)).build();
        pool.submit(gate.task("blocker"));
        gate.awaitEntered(1);
        return pool.submit(() -> "x");
      case EXPECTED_WAIT:
        // Tasks take 1 s (fake), so the first queue place already expects 1 s > 500 ms.
        pool = WorkerPool.builder().name("r").maxConcurrency(1).maxQueue(5)
            .queueTimeout(Duration.ofMillis(500)).ticker(ticker).build();
        TestSupport.runAndSettle(pool, () -> {
          ticker.advance(Duration.ofSeconds(1));
          return "learn";
        });
        pool.submit(gate.task("blocker"));
        gate.awaitEntered(1);
        return pool.submit(() -> "x");
      case CANCELLED:
        pool = WorkerPool.builder().name("r").maxConcurrency(1).maxQueue(1).build();
        pool.submit(gate.task("blocker"));
        gate.awaitEntered(1);
        return pool.submit(() -> "x", Future.succeededFuture());
      case SHUTTING_DOWN:
        pool = WorkerPool.builder().name("r").maxConcurrency(1).build();
        await(pool.close(Duration.ZERO));
        return pool.submit(() -> "x");
      default:
        throw new AssertionError(reason);
    }
  }

  @ParameterizedTest
  @EnumSource(RejectionReason.class)
  void rejection_namesItsReasonAndSuggestsRetryOfAtLeastOneSecond(RejectionReason reason)
      throws Exception {
    Future<String> f = reject(reason);

    RejectedTaskException e = TestSupport.awaitRejection(f, reason);
    assertThat(e.retryAfter()).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    assertThat(e.retryAfter().toNanos() % 1_000_000_000L).as("whole seconds").isZero();
    assertThat(e.poolName()).isEqualTo("r");
    assertThat(e.getMessage()).startsWith("r - " + reason.description() + ": ")
        .endsWith("retry after " + e.retryAfter().toSeconds() + "s");
    assertThat(e.getStackTrace()).isEmpty();
    assertThat(pool.stats().rejected()).isEqualTo(1);
  }

  @Test
  void tag_isTheLowerCaseName() {
    assertThat(RejectionReason.QUEUE_FULL.tag()).isEqualTo("queue_full");
    assertThat(RejectionReason.EXPECTED_WAIT.tag()).isEqualTo("expected_wait");
    assertThat(RejectionReason.QUEUE_TIMEOUT.tag()).isEqualTo("queue_timeout");
    assertThat(RejectionReason.SHUTTING_DOWN.tag()).isEqualTo("shutting_down");
  }
}
