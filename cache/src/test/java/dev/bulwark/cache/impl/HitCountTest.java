package dev.bulwark.cache.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The hit count loses no add, from one thread or many, through ended threads and shared adds. */
class HitCountTest {

  /** Starts {@code threads} threads that each add {@code adds} times, all at once; joins them. */
  private static void race(HitCount count, int threads, int adds) throws InterruptedException {
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> started = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread thread = new Thread(() -> {
        try {
          go.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        for (int i = 0; i < adds; i++) {
          count.increment();
        }
      });
      thread.start();
      started.add(thread);
    }
    go.countDown();
    for (Thread thread : started) {
      thread.join();
    }
  }

  @Test
  void oneThread_countsEveryAdd() {
    HitCount count = new HitCount();
    assertThat(count.sum()).isZero();
    for (int i = 0; i < 1000; i++) {
      count.increment();
    }
    assertThat(count.sum()).isEqualTo(1000);
  }

  /** What an add returns, for sampling: the thread's own count, one more with each add. */
  @Test
  void increment_returnsTheThreadsOwnCount() {
    HitCount count = new HitCount();
    for (long i = 1; i <= 100; i++) {
      assertThat(count.increment()).isEqualTo(i);
    }
  }

  /** From a few threads (each its own cell) to far more than cells (shared adds, taken-over cells). */
  @ParameterizedTest
  @ValueSource(ints = {2, 8, HitCount.CELLS + 1, 3 * HitCount.CELLS})
  void racingThreads_loseNoAdd(int threads) throws InterruptedException {
    HitCount count = new HitCount();
    race(count, threads, 20_000);
    assertThat(count.sum()).isEqualTo(threads * 20_000L);
  }

  @Test
  void threadsThatEnded_leaveTheirCountsToTheThreadsAfterThem() throws InterruptedException {
    HitCount count = new HitCount();
    long expected = 0;
    // Waves of short-lived threads: ids move on, each wave finds cells of ended threads.
    for (int wave = 0; wave < 20; wave++) {
      race(count, 16, 500);
      expected += 16 * 500;
      assertThat(count.sum()).isEqualTo(expected);
    }
    count.increment();
    assertThat(count.sum()).isEqualTo(expected + 1);
  }

  @Test
  void sumReadWhileThreadsAdd_neverGoesDown() throws InterruptedException {
    HitCount count = new HitCount();
    AtomicBoolean done = new AtomicBoolean();
    AtomicLong drops = new AtomicLong();
    Thread reader = new Thread(() -> {
      long last = 0;
      while (!done.get()) {
        long now = count.sum();
        if (now < last) {
          drops.incrementAndGet();
        }
        last = now;
      }
    });
    reader.start();
    race(count, HitCount.CELLS + 8, 5_000);
    done.set(true);
    reader.join();
    assertThat(drops).hasValue(0);
    assertThat(count.sum()).isEqualTo((HitCount.CELLS + 8) * 5_000L);
  }
}
