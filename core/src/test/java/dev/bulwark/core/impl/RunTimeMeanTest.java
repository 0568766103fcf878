package dev.bulwark.core.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.bulwark.core.CoarseTicker;
import dev.bulwark.core.WorkerPool;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The run-time mean of a pool on the millisecond clock (system ticker, no meters, no adaptive
 * limit), whose runners fold their run times into it in batches instead of after every task.
 */
class RunTimeMeanTest {

  @Test
  void coarseClockPool_foldsBatchedRunTimesIntoTheMean() throws Exception {
    WorkerPool pool = WorkerPool.builder().name("mean").maxConcurrency(1).maxQueue(64)
        .queueTimeout(Duration.ofSeconds(30)).build();
    try {
      DefaultWorkerPool impl = (DefaultWorkerPool) pool;
      assertThat(impl.meanRun()).isEqualTo(-1);
      // 37 tasks through one slot: one runner loop; the first run time at once, then batches of 16,
      // the rest folded at its end.
      // Each task's work is 4 ms of sleeping: its time on the coarse clock reads 4 or 5 ms.
      // Every run time is a difference of two readings of the coarse clock taken between these
      // two, so no mean of them can exceed their span (a fixed bound would fail a machine that
      // stalls the runner for a while).
      long before;
      try (CoarseTicker clock = CoarseTicker.acquire()) {
        before = clock.read();
      }
      List<Future<Integer>> results = new ArrayList<>();
      for (int i = 0; i < 37; i++) {
        results.add(pool.submit(() -> {
          TimeUnit.MILLISECONDS.sleep(4);
          return 1;
        }));
      }
      for (Future<Integer> f : results) {
        assertThat(f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS)).isEqualTo(1);
      }
      long span;
      try (CoarseTicker clock = CoarseTicker.acquire()) {
        span = clock.read() - before;
      }
      assertThat(impl.meanRun()).isBetween(3.0e6, (double) span);
    } finally {
      pool.close(Duration.ofSeconds(5)).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void recordRunTimes_weighsABatchAsThatManySamplesOfItsAverage() throws Exception {
    WorkerPool pool = WorkerPool.builder().name("mean-math").maxConcurrency(1).build();
    try {
      DefaultWorkerPool impl = (DefaultWorkerPool) pool;
      impl.recordRunTimes(16 * 1000L, 16);
      assertThat(impl.meanRun()).as("the first batch is the mean").isEqualTo(1000.0);
      impl.recordRunTimes(16 * 2000L, 16);
      // 16 samples of 2000 with alpha 0.1, one after another: 2000 + (1000 - 2000) * 0.9^16.
      assertThat(impl.meanRun()).isCloseTo(2000 - 1000 * Math.pow(0.9, 16), within(1e-6));
      impl.recordRunTimes(3000L, 1);
      double before = 2000 - 1000 * Math.pow(0.9, 16);
      assertThat(impl.meanRun()).isCloseTo(before + 0.1 * (3000 - before), within(1e-6));
    } finally {
      pool.close(Duration.ofSeconds(5)).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }
}
