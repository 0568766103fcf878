package dev.bulwark.core;

import static dev.bulwark.core.TestSupport.WAIT;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

/**
 * A race loop: many threads submit many short tasks at once; every task counts itself in and out
 * of a shared counter and records the first breach of the limit it sees (or of a thread check).
 * The first {@code limit} tasks also wait for each other, so a pool that could never run
 * {@code limit} tasks together is caught too, without relying on timing.
 */
final class ConcurrencyRace {

  /** What the race saw. */
  record Result(int maxRunning, int succeeded, int total, Throwable firstFailure) {
  }

  private static final long PAUSE_NANOS = 20_000;

  private ConcurrencyRace() {
  }

  static Result run(WorkerPool pool, int limit, int submitters, int tasksEach,
      Predicate<Thread> threadCheck) throws InterruptedException {
    AtomicInteger running = new AtomicInteger();
    AtomicInteger maxRunning = new AtomicInteger();
    AtomicReference<Throwable> firstFailure = new AtomicReference<>();
    CountDownLatch together = new CountDownLatch(limit);
    CountDownLatch start = new CountDownLatch(1);
    ConcurrentLinkedQueue<Future<Integer>> futures = new ConcurrentLinkedQueue<>();

    List<Thread> threads = new ArrayList<>();
    for (int s = 0; s < submitters; s++) {
      Thread t = new Thread(() -> {
        try {
          start.await();
          for (int i = 0; i < tasksEach; i++) {
            futures.add(pool.submit(() -> {
              int now = running.incrementAndGet();
              try {
                maxRunning.accumulateAndGet(now, Math::max);
                if (now > limit) {
                  firstFailure.compareAndSet(null,
                      new AssertionError(now + " tasks running, limit " + limit));
                }
                if (!threadCheck.test(Thread.currentThread())) {
                  firstFailure.compareAndSet(null,
                      new AssertionError("task ran on unexpected thread " + Thread.currentThread()));
                }
                // Stay counted in for a moment, so that an extra runner would overlap with the
                // others even on a machine with fewer cores than the limit.
                LockSupport.parkNanos(PAUSE_NANOS);
                together.countDown();
                if (!together.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                  firstFailure.compareAndSet(null, new AssertionError(
                      "the pool never ran " + limit + " tasks together (" + together.getCount()
                          + " missing)"));
                }
                return 1;
              } finally {
                running.decrementAndGet();
              }
            }));
          }
        } catch (Throwable e) {
          firstFailure.compareAndSet(null, e);
        }
      }, "race-submitter-" + s);
      threads.add(t);
      t.start();
    }
    start.countDown();
    for (Thread t : threads) {
      t.join(WAIT.toMillis() * 2);
    }

    int succeeded = 0;
    for (Future<Integer> f : futures) {
      try {
        succeeded += TestSupport.await(f);
      } catch (AssertionError e) {
        firstFailure.compareAndSet(null, e);
        break;
      }
    }
    return new Result(maxRunning.get(), succeeded, submitters * tasksEach, firstFailure.get());
  }
}
