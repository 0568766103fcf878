package dev.bulwark.core;

import static dev.bulwark.core.TestSupport.WAIT;
import static dev.bulwark.core.TestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Race loops against the lock-free admission path: many threads submit at once at the limit,
 * and each loop records the first breach it sees (too many running, too many queued, a wrong
 * rejection, a lost task, a close that overtakes a result). Submitters start together on a
 * latch; nothing waits on a sleep, and nothing asserts on wall-clock time.
 */
class AdmissionRaceTest {

  private static final int SUBMITTERS = 8;

  private final List<WorkerPool> pools = new ArrayList<>();

  @AfterEach
  void closePools() {
    for (WorkerPool p : pools) {
      await(p.close(Duration.ofSeconds(1)));
    }
  }

  static Stream<Arguments> shapes() {
    return Stream.of(
        Arguments.of(1, 0, ThreadKind.PLATFORM),
        Arguments.of(1, 3, ThreadKind.PLATFORM),
        Arguments.of(4, 8, ThreadKind.PLATFORM),
        Arguments.of(16, 16, ThreadKind.PLATFORM),
        Arguments.of(4, 8, ThreadKind.VIRTUAL));
  }

  private WorkerPool pool(int limit, int maxQueue, ThreadKind kind) {
    WorkerPool p = WorkerPool.builder().name("admit").maxConcurrency(limit).maxQueue(maxQueue)
        .queueTimeout(Duration.ofHours(1)).threadKind(kind).shedEarly(false).build();
    pools.add(p);
    return p;
  }

  private static void assumeSupported(ThreadKind kind) {
    assumeTrue(kind != ThreadKind.VIRTUAL || ThreadKind.virtualThreadsAvailable(),
        "virtual threads need Java 21+");
  }

  /** Waits until every future has completed, whatever its outcome. */
  private static void awaitAllComplete(ConcurrentLinkedQueue<Future<Integer>> futures) {
    Future<?> all = Future.join(new ArrayList<>(futures));
    Awaitility.await().atMost(WAIT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1))
        .until(all::isComplete);
  }

  /** Starts {@code SUBMITTERS} threads that run {@code body} together; returns when all ended. */
  private static void together(AtomicReference<Throwable> firstFailure, SubmitterBody body)
      throws InterruptedException {
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    for (int s = 0; s < SUBMITTERS; s++) {
      int id = s;
      Thread t = new Thread(() -> {
        try {
          start.await();
          body.run(id);
        } catch (Throwable e) {
          firstFailure.compareAndSet(null, e);
        }
      }, "admit-submitter-" + s);
      threads.add(t);
      t.start();
    }
    start.countDown();
    for (Thread t : threads) {
      t.join(WAIT.toMillis() * 4);
      if (t.isAlive()) {
        firstFailure.compareAndSet(null, new AssertionError(t.getName() + " did not finish"));
      }
    }
  }

  interface SubmitterBody {
    void run(int submitter) throws Exception;
  }

  @ParameterizedTest(name = "maxConcurrency={0}, maxQueue={1}, {2}")
  @MethodSource("shapes")
  void submit_racingAtTheLimit_admitsExactlyConcurrencyPlusQueue(int limit, int maxQueue,
      ThreadKind kind) throws Exception {
    assumeSupported(kind);
    int tasksEach = (limit + maxQueue) / 2 + 4; // together, well past what fits
    for (int round = 0; round < 20; round++) {
      WorkerPool pool = pool(limit, maxQueue, kind);
      TestSupport.Gate gate = new TestSupport.Gate();
      AtomicInteger running = new AtomicInteger();
      AtomicReference<Throwable> firstFailure = new AtomicReference<>();
      ConcurrentLinkedQueue<Future<Integer>> admitted = new ConcurrentLinkedQueue<>();
      AtomicInteger rejectedAtOnce = new AtomicInteger();
      try {
        together(firstFailure, s -> {
          for (int i = 0; i < tasksEach; i++) {
            Future<Integer> f = pool.submit(() -> {
              int now = running.incrementAndGet();
              if (now > limit) {
                firstFailure.compareAndSet(null,
                    new AssertionError(now + " tasks running, limit " + limit));
              }
              try {
                return gate.task(1).call();
              } finally {
                running.decrementAndGet();
              }
            });
            if (f.failed()) {
              RejectedTaskException e = (RejectedTaskException) f.cause();
              if (e.reason() != RejectionReason.QUEUE_FULL) {
                firstFailure.compareAndSet(null, new AssertionError("rejected as " + e.reason()));
              }
              rejectedAtOnce.incrementAndGet();
            } else {
              admitted.add(f);
            }
          }
        });
        gate.awaitEntered(limit);
        assertThat(firstFailure.get()).as("round %d", round).isNull();
        assertThat(admitted).as("round %d: admitted", round).hasSize(limit + maxQueue);
        assertThat(admitted).noneMatch(Future::isComplete);
        PoolStats held = pool.stats();
        assertThat(held.active()).isEqualTo(limit);
        assertThat(held.queued()).isEqualTo(maxQueue);
        assertThat(held.rejected()).isEqualTo(rejectedAtOnce.get());
      } finally {
        gate.open();
      }
      for (Future<Integer> f : admitted) {
        assertThat(await(f)).isEqualTo(1);
      }
      TestSupport.awaitCompleted(pool, limit + maxQueue);
      assertThat(firstFailure.get()).isNull();
      PoolStats after = pool.stats();
      assertThat(after.active()).isZero();
      assertThat(after.queued()).isZero();
    }
  }

  @ParameterizedTest(name = "maxConcurrency={0}, maxQueue={1}, {2}")
  @MethodSource("shapes")
  void submit_churnAtTheLimit_neverExceedsConcurrencyOrQueue_andLosesNoTask(int limit,
      int maxQueue, ThreadKind kind) throws Exception {
    assumeSupported(kind);
    WorkerPool pool = pool(limit, maxQueue, kind);
    int tasksEach = 2_000;
    AtomicInteger running = new AtomicInteger();
    AtomicReference<Throwable> firstFailure = new AtomicReference<>();
    ConcurrentLinkedQueue<Future<Integer>> futures = new ConcurrentLinkedQueue<>();
    AtomicBoolean submitting = new AtomicBoolean(true);
    // Watches the pool's own counts while the submitters run.
    Thread watcher = new Thread(() -> {
      while (submitting.get()) {
        PoolStats s = pool.stats();
        if (s.active() > limit || s.queued() > maxQueue || s.active() < 0 || s.queued() < 0) {
          firstFailure.compareAndSet(null, new AssertionError("stats out of bounds: " + s));
        }
        Thread.onSpinWait();
      }
    }, "admit-watcher");
    watcher.start();
    try {
      together(firstFailure, s -> {
        for (int i = 0; i < tasksEach; i++) {
          Future<Integer> f = pool.submit(() -> {
            int now = running.incrementAndGet();
            try {
              if (now > limit) {
                firstFailure.compareAndSet(null,
                    new AssertionError(now + " tasks running, limit " + limit));
              }
              int queuedNow = pool.stats().queued();
              if (queuedNow > maxQueue) {
                firstFailure.compareAndSet(null,
                    new AssertionError(queuedNow + " tasks queued, maxQueue " + maxQueue));
              }
              for (int spin = 0; spin < 200; spin++) {
                Thread.onSpinWait();
              }
              return 1;
            } finally {
              running.decrementAndGet();
            }
          });
          if (f.failed() && ((RejectedTaskException) f.cause()).reason()
              != RejectionReason.QUEUE_FULL) {
            firstFailure.compareAndSet(null, new AssertionError("rejected as " + f.cause()));
          }
          futures.add(f);
        }
      });
    } finally {
      submitting.set(false);
      watcher.join();
    }

    awaitAllComplete(futures);
    int succeeded = 0;
    int rejected = 0;
    for (Future<Integer> f : futures) {
      if (f.succeeded()) {
        succeeded++;
      } else {
        rejected++;
      }
    }
    assertThat(firstFailure.get()).isNull();
    assertThat(succeeded + rejected).isEqualTo(SUBMITTERS * tasksEach);
    assertThat(succeeded).as("some tasks ran").isPositive();
    TestSupport.awaitCompleted(pool, succeeded);
    PoolStats s = pool.stats();
    assertThat(s.rejected()).isEqualTo(rejected);
    assertThat(s.active()).isZero();
    assertThat(s.queued()).isZero();
  }

  @ParameterizedTest(name = "maxConcurrency={0}, maxQueue={1}, {2}")
  @MethodSource("shapes")
  void close_racingSubmitters_completesAfterEveryResult_andStrandsNoTask(int limit, int maxQueue,
      ThreadKind kind) throws Exception {
    assumeSupported(kind);
    for (int round = 0; round < 10; round++) {
      WorkerPool pool = pool(limit, maxQueue, kind);
      AtomicReference<Throwable> firstFailure = new AtomicReference<>();
      ConcurrentLinkedQueue<Future<Integer>> futures = new ConcurrentLinkedQueue<>();
      AtomicInteger submitted = new AtomicInteger();
      AtomicReference<Future<Void>> closed = new AtomicReference<>();
      int closeAfter = 50 + round * 37;
      together(firstFailure, s -> {
        for (int i = 0; i < 300; i++) {
          Future<Integer> f = pool.submit(() -> {
            for (int spin = 0; spin < 100; spin++) {
              Thread.onSpinWait();
            }
            return 1;
          });
          futures.add(f);
          if (submitted.incrementAndGet() == closeAfter) {
            Future<Void> c = pool.close(Duration.ofHours(1));
            closed.set(c);
            // When close completes, every result of an admitted task must already be delivered.
            c.onComplete(ar -> {
              for (Future<Integer> g : futures) {
                if (!g.isComplete()) {
                  firstFailure.compareAndSet(null,
                      new AssertionError("close completed before a task's result"));
                }
              }
            });
          }
        }
      });
      await(closed.get());
      awaitAllComplete(futures);
      for (Future<Integer> f : futures) {
        if (f.failed()) {
          RejectionReason reason = ((RejectedTaskException) f.cause()).reason();
          if (reason != RejectionReason.QUEUE_FULL && reason != RejectionReason.SHUTTING_DOWN) {
            firstFailure.compareAndSet(null, new AssertionError("rejected as " + reason));
          }
        }
      }
      assertThat(firstFailure.get()).as("round %d", round).isNull();
      PoolStats s = pool.stats();
      assertThat(s.active()).isZero();
      assertThat(s.queued()).isZero();
      assertThat(s.completed() + s.rejected()).isEqualTo(futures.size());
    }
  }
}
