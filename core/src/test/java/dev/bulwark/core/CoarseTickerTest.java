package dev.bulwark.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CoarseTickerTest {

  private CoarseTicker a;
  private CoarseTicker b;

  @AfterEach
  void closeAll() {
    if (a != null) {
      a.close();
    }
    if (b != null) {
      b.close();
    }
  }

  @Test
  void readingsFollowNanoTimeWithoutEverRunningAhead() {
    a = CoarseTicker.acquire();
    long start = System.nanoTime();
    awaitTrue(() -> a.read() >= start, "the coarse reading passes a nanoTime taken after acquire");
    for (int i = 0; i < 100_000; i++) {
      long coarse = a.read();
      assertThat(coarse).isLessThanOrEqualTo(System.nanoTime());
    }
    long later = System.nanoTime();
    awaitTrue(() -> a.read() >= later, "the reading keeps advancing");
  }

  @Test
  void theUpdaterRunsWhileAnyHandleIsOpen_andStopsAfterTheLast() {
    a = CoarseTicker.acquire();
    b = CoarseTicker.acquire();
    assertThat(CoarseTicker.running()).isTrue();
    a.close();
    a.close(); // idempotent: must not release b's hold
    assertThat(CoarseTicker.running()).isTrue();
    long mid = System.nanoTime();
    awaitTrue(() -> b.read() >= mid, "the remaining handle still advances");
    b.close();
    awaitTrue(() -> !CoarseTicker.running(), "the updater stops after the last close");
    CoarseTicker c = CoarseTicker.acquire();
    try {
      assertThat(CoarseTicker.running()).isTrue();
      long again = System.nanoTime();
      awaitTrue(() -> c.read() >= again, "a restarted updater advances");
    } finally {
      c.close();
    }
  }

  @Test
  void theUpdaterRestsWhileNobodyReads_andTheNextReadIsFreshAndWakesIt() {
    a = CoarseTicker.acquire();
    awaitTrue(CoarseTicker::resting, "the updater rests after ticks that nobody read");
    Thread updater = Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals("bulwark-coarse-ticker")).findFirst().orElseThrow();
    awaitTrue(() -> updater.getState() == Thread.State.WAITING, "a resting updater parks without a timeout");
    long before = System.nanoTime();
    long first = a.read();
    assertThat(first).as("a read while resting is the system clock's").isGreaterThanOrEqualTo(before);
    assertThat(CoarseTicker.resting()).as("the first read wakes the updater").isFalse();
    assertThat(a.read()).as("the next read is that fresh time or later").isGreaterThanOrEqualTo(first);
    long later = System.nanoTime();
    awaitTrue(() -> a.read() >= later, "the woken updater advances the reading again");
  }

  @Test
  void aClosedHandleReadsTheSystemClock() {
    a = CoarseTicker.acquire();
    a.close();
    long before = System.nanoTime();
    assertThat(a.read()).isGreaterThanOrEqualTo(before);
  }

  @Test
  void theSystemTickerIsOneInstance() {
    assertThat(Ticker.system()).isSameAs(Ticker.system());
    long before = System.nanoTime();
    assertThat(Ticker.system().read()).isGreaterThanOrEqualTo(before);
  }

  private static void awaitTrue(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime() - deadline).as(what).isNegative();
      Thread.onSpinWait();
      try {
        Thread.sleep(1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
