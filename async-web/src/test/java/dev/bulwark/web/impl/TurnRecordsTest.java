package dev.bulwark.web.impl;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Request timings recorded per event-loop turn: a turn's first at once, the rest when its I/O is
 * done, every one with its own duration; other threads at once.
 */
class TurnRecordsTest {

  private Vertx vertx;
  private Timer timer;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    timer = Timer.builder("t").register(new SimpleMeterRegistry());
  }

  @AfterEach
  void tearDown() {
    vertx.close().await();
  }

  /** Runs {@code turn} as one task of an event loop; returns what {@code after} saw in the next. */
  private <T> T inOneTurnThen(Runnable turn, Supplier<T> after) throws Exception {
    Context context = vertx.getOrCreateContext();
    Promise<T> seen = Promise.promise();
    context.runOnContext(v -> {
      turn.run();
      // Tasks run in order: this one runs after the end-of-turn task the records scheduled.
      context.runOnContext(w -> seen.complete(after.get()));
    });
    return seen.future().await(10, TimeUnit.SECONDS);
  }

  @Test
  void theFirstRecordOfATurn_isCountedAtOnce_andTheRestWhenTheTurnEnds() throws Exception {
    List<Long> countsInTurn = new ArrayList<>();
    long countAfter = inOneTurnThen(() -> {
      assertThat(Context.isOnEventLoopThread()).isTrue();
      TurnRecords.record(timer, 1_000_000);
      countsInTurn.add(timer.count());
      TurnRecords.record(timer, 2_000_000);
      TurnRecords.record(timer, 7_000_000);
      countsInTurn.add(timer.count());
    }, timer::count);

    assertThat(countsInTurn).containsExactly(1L, 1L);
    assertThat(countAfter).isEqualTo(3);
    assertThat(timer.totalTime(TimeUnit.NANOSECONDS)).isEqualTo(10_000_000);
    assertThat(timer.max(TimeUnit.NANOSECONDS)).isEqualTo(7_000_000);
  }

  @Test
  void eachTurn_startsAgainWithARecordCountedAtOnce() throws Exception {
    inOneTurnThen(() -> {
      TurnRecords.record(timer, 1);
      TurnRecords.record(timer, 1);
    }, timer::count);
    long countInSecondTurn = inOneTurnThen(() -> TurnRecords.record(timer, 5), timer::count);
    List<Long> inThirdTurn = new ArrayList<>();
    inOneTurnThen(() -> {
      TurnRecords.record(timer, 5);
      inThirdTurn.add(timer.count());
    }, timer::count);

    assertThat(countInSecondTurn).isEqualTo(3);
    assertThat(inThirdTurn).containsExactly(4L);
  }

  @Test
  void aTurnWithMoreRecordsThanTheBufferHolds_recordsEveryOne() throws Exception {
    int n = 3 * TurnRecords.CAPACITY + 5;
    long[] maxWaiting = new long[1];
    long countAfter = inOneTurnThen(() -> {
      for (int i = 1; i <= n; i++) {
        TurnRecords.record(timer, i);
        maxWaiting[0] = Math.max(maxWaiting[0], i - timer.count());
      }
    }, timer::count);

    assertThat(countAfter).isEqualTo(n);
    assertThat(timer.totalTime(TimeUnit.NANOSECONDS)).isEqualTo((double) n * (n + 1) / 2);
    assertThat(maxWaiting[0]).isEqualTo(TurnRecords.CAPACITY);
  }

  @Test
  void aThreadThatIsNoEventLoop_recordsAtOnce() throws Exception {
    TurnRecords.record(timer, 3);
    TurnRecords.record(timer, 4);
    assertThat(timer.count()).isEqualTo(2);

    long onWorker = vertx.executeBlocking(() -> {
      TurnRecords.record(timer, 5);
      TurnRecords.record(timer, 6);
      return timer.count();
    }).await(10, TimeUnit.SECONDS);
    assertThat(onWorker).isEqualTo(4);
  }
}
