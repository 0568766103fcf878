package dev.bulwark.core;

import static dev.bulwark.core.TestSupport.await;
import static dev.bulwark.core.TestSupport.awaitRejection;
import static dev.bulwark.core.TestSupport.rejectedAtOnce;
import static dev.bulwark.core.TestSupport.runAndSettle;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PoolMetricsTest {

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final TestSupport.Gate gate = new TestSupport.Gate();
  private WorkerPool pool;

  @AfterEach
  void release() {
    gate.open();
    if (pool != null) {
      await(pool.close(Duration.ofSeconds(1)));
    }
  }

  private double gauge(String name) {
    return registry.get(name).tag("pool", pool.name()).gauge().value();
  }

  private double rejected(RejectionReason reason) {
    return registry.get("bulwark.pool.rejected").tag("pool", pool.name())
        .tag("reason", reason.tag()).counter().count();
  }

  private Timer timer(String name) {
    return registry.get(name).tag("pool", pool.name()).timer();
  }

  @Test
  void meters_countRunsAndRejections_andGaugesReadThePoolState() throws Exception {
    pool = WorkerPool.builder().name("m").maxConcurrency(2).maxQueue(1).meterRegistry(registry)
        .build();
    for (int i = 0; i < 3; i++) {
      runAndSettle(pool, () -> "warm");
    }
    assertThat(timer("bulwark.pool.run").count()).isEqualTo(3);
    assertThat(timer("bulwark.pool.queue.wait").count()).isEqualTo(3);

    Future<String> a = pool.submit(gate.task("a"));
    Future<String> b = pool.submit(gate.task("b"));
    gate.awaitEntered(2);
    Future<String> c = pool.submit(() -> "c");
    assertThat(gauge("bulwark.pool.active")).isEqualTo(2.0);
    assertThat(gauge("bulwark.pool.queued")).isEqualTo(1.0);
    assertThat(gauge("bulwark.pool.limit")).isEqualTo(2.0);
    rejectedAtOnce(pool.submit(() -> "d"), RejectionReason.QUEUE_FULL);
    rejectedAtOnce(pool.submit(() -> "e"), RejectionReason.QUEUE_FULL);

    gate.open();
    assertThat(await(a) + await(b) + await(c)).isEqualTo("abc");
    TestSupport.awaitCompleted(pool, 6);
    Awaitility.await().atMost(TestSupport.WAIT)
        .until(() -> timer("bulwark.pool.run").count() == 6);
    assertThat(timer("bulwark.pool.queue.wait").count()).isEqualTo(6);
    assertThat(gauge("bulwark.pool.active")).isZero();
    assertThat(gauge("bulwark.pool.queued")).isZero();
    assertThat(rejected(RejectionReason.QUEUE_FULL)).isEqualTo(2.0);
    assertThat(rejected(RejectionReason.QUEUE_TIMEOUT)).isZero();
    assertThat(rejected(RejectionReason.EXPECTED_WAIT)).isZero();
    Counter shuttingDown = registry.get("bulwark.pool.rejected").tag("pool", pool.name())
        .tag("reason", RejectionReason.SHUTTING_DOWN.tag()).counter();

    await(pool.close(Duration.ofSeconds(1)));
    rejectedAtOnce(pool.submit(() -> "f"), RejectionReason.SHUTTING_DOWN);

    // Counted by the pool's own counter, which the close took out of the registry.
    assertThat(shuttingDown.count()).isEqualTo(1.0);
    assertThat(pool.stats().rejected()).isEqualTo(3);
  }

  @Test
  void close_removesEveryMeterOfThePool_andAPoolBuiltAgainReadsItsOwnState() throws Exception {
    registry.counter("other.meter", "pool", "again");
    WorkerPool first = WorkerPool.builder().name("again").maxConcurrency(3)
        .meterRegistry(registry).build();
    runAndSettle(first, () -> "x");
    assertThat(registry.find("bulwark.pool.active").tag("pool", "again").gauge()).isNotNull();

    await(first.close(Duration.ofSeconds(1)));

    assertThat(registry.getMeters()).extracting(m -> m.getId().getName())
        .containsExactly("other.meter");
    pool = WorkerPool.builder().name("again").maxConcurrency(5)
        .meterRegistry(registry).build();
    Future<String> held = pool.submit(gate.task("held"));
    gate.awaitEntered(1);
    assertThat(gauge("bulwark.pool.limit")).isEqualTo(5.0);
    assertThat(gauge("bulwark.pool.active")).isEqualTo(1.0);
    assertThat(registry.get("bulwark.pool.run").tag("pool", "again").timers()).hasSize(1);
    gate.open();
    assertThat(await(held)).isEqualTo("held");
  }

  @Test
  void rejectedCounter_countsQueueTimeoutsFromTheTimer() throws Exception {
    pool = WorkerPool.builder().name("m-timeout").maxConcurrency(1).maxQueue(5)
        .queueTimeout(Duration.ofMillis(20)).meterRegistry(registry).build();
    pool.submit(gate.task("blocker"));
    gate.awaitEntered(1);

    awaitRejection(pool.submit(() -> "late"), RejectionReason.QUEUE_TIMEOUT);

    assertThat(rejected(RejectionReason.QUEUE_TIMEOUT)).isEqualTo(1.0);
  }

  @Test
  void timers_recordQueueWaitAndRunTimeByTheTicker() throws Exception {
    FakeTicker ticker = new FakeTicker();
    pool = WorkerPool.builder().name("m-time").maxConcurrency(1).maxQueue(5)
        .queueTimeout(Duration.ofHours(1)).ticker(ticker).meterRegistry(registry).build();
    Future<String> blocker = pool.submit(gate.task("blocker"));
    gate.awaitEntered(1);
    Future<String> queued = pool.submit(() -> "queued");

    ticker.advance(Duration.ofSeconds(3));
    gate.open();
    await(blocker);
    await(queued);
    TestSupport.awaitCompleted(pool, 2);
    Awaitility.await().atMost(TestSupport.WAIT)
        .until(() -> timer("bulwark.pool.run").count() == 2);

    Timer wait = timer("bulwark.pool.queue.wait");
    Timer run = timer("bulwark.pool.run");
    assertThat(wait.count()).isEqualTo(2);
    assertThat(wait.totalTime(TimeUnit.SECONDS)).isEqualTo(3.0);
    assertThat(wait.max(TimeUnit.SECONDS)).isEqualTo(3.0);
    assertThat(run.totalTime(TimeUnit.SECONDS)).isEqualTo(3.0);
  }

  /**
   * A runner reads the clock when its task ends and then takes the next queued task; a task
   * submitted in between (the runner preempted after its read) was stamped later than that read.
   * Its wait is recorded as zero: Micrometer drops a negative amount (and logs a warning with a
   * stack trace), so the timer would count one wait fewer than tasks taken from the queue.
   */
  @Test
  void queueWait_taskQueuedAfterTheRunnerReadTheClock_isRecordedAsZero() throws Exception {
    StallingTicker ticker = new StallingTicker();
    pool = WorkerPool.builder().name("m-race").maxConcurrency(1).maxQueue(5)
        .queueTimeout(Duration.ofHours(1)).ticker(ticker).meterRegistry(registry).build();
    Future<String> first = pool.submit(() -> {
      ticker.stallNextReadOn(Thread.currentThread());
      return "first";
    });
    assertThat(ticker.stalled.await(TestSupport.WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    ticker.advance(Duration.ofMillis(1));
    Future<String> second = pool.submit(() -> "second");
    assertThat(pool.stats().queued()).isEqualTo(1);
    ticker.release.countDown();

    assertThat(await(first) + await(second)).isEqualTo("firstsecond");
    TestSupport.awaitCompleted(pool, 2);
    Awaitility.await().atMost(TestSupport.WAIT)
        .until(() -> timer("bulwark.pool.run").count() == 2);
    Timer wait = timer("bulwark.pool.queue.wait");
    assertThat(wait.count()).isEqualTo(2);
    assertThat(wait.totalTime(TimeUnit.NANOSECONDS)).isZero();
  }

  /** A fake clock whose next read on one chosen thread returns and then waits for a release. */
  private static final class StallingTicker implements Ticker {
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final CountDownLatch stalled = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private volatile Thread stallOn;

    void stallNextReadOn(Thread thread) {
      stallOn = thread;
    }

    void advance(Duration d) {
      nanos.addAndGet(d.toNanos());
    }

    @Override
    public long read() {
      long now = nanos.get();
      if (Thread.currentThread() == stallOn) {
        stallOn = null;
        stalled.countDown();
        try {
          if (!release.await(TestSupport.WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("the test never released the stalled clock read");
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return now;
    }
  }

  @Test
  void noRegistry_registersNothing() {
    pool = WorkerPool.builder().name("m-none").maxConcurrency(1).build();
    runAndSettle(pool, () -> "x");
    assertThat(registry.getMeters()).isEmpty();
  }
}
