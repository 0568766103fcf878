package dev.bulwark.web.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The in-flight count kept per thread: exact across threads, and past the owned counters. */
class LifecycleTest {

  @Test
  void inFlight_countsARequestBegunOnOneThreadAndEndedOnAnother() throws Exception {
    Lifecycle lifecycle = new Lifecycle();
    lifecycle.begin();
    lifecycle.begin();
    assertThat(lifecycle.inFlight()).isEqualTo(2);

    Thread other = new Thread(lifecycle::end);
    other.start();
    other.join();

    assertThat(lifecycle.inFlight()).isEqualTo(1);
    lifecycle.end();
    assertThat(lifecycle.inFlight()).isZero();
  }

  @Test
  void inFlight_isExact_whenMoreThreadsCountThanGetCountersOfTheirOwn() throws Exception {
    Lifecycle lifecycle = new Lifecycle();
    int threads = 100;
    int perThread = 2_000;
    CountDownLatch go = new CountDownLatch(1);
    CountDownLatch begun = new CountDownLatch(threads);
    CountDownLatch end = new CountDownLatch(1);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    List<Thread> all = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread thread = new Thread(() -> {
        try {
          go.await();
          for (int i = 0; i < perThread; i++) {
            lifecycle.begin();
            if (i % 2 == 0) {
              lifecycle.end();
            }
          }
          begun.countDown();
          end.await();
          for (int i = 0; i < perThread / 2; i++) {
            lifecycle.end();
          }
        } catch (Throwable e) {
          failure.compareAndSet(null, e);
        }
      });
      thread.start();
      all.add(thread);
    }
    go.countDown();
    begun.await();

    assertThat(lifecycle.inFlight()).isEqualTo(threads * perThread / 2);

    end.countDown();
    for (Thread thread : all) {
      thread.join();
    }
    assertThat(failure.get()).isNull();
    assertThat(lifecycle.inFlight()).isZero();
  }
}
