package dev.bulwark.core;

import dev.bulwark.core.testing.Await;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/** Small helpers shared by the pool tests: waiting on futures with a bound, and a blocking gate. */
final class TestSupport {

  /** Upper bound for anything a test waits on; reached only when the code under test is broken. */
  static final Duration WAIT = Duration.ofSeconds(5);

  private TestSupport() {
  }

  /** Waits for {@code future} to succeed and returns its value. */
  static <T> T await(Future<T> future) {
    return Await.result(future, WAIT);
  }

  /** Waits for {@code future} to fail and returns the cause. */
  static Throwable awaitFailure(Future<?> future) {
    return Await.failure(future, WAIT);
  }

  /** Waits for {@code future} to fail with a {@link RejectedTaskException} of {@code reason}. */
  static RejectedTaskException awaitRejection(Future<?> future, RejectionReason reason) {
    Throwable t = awaitFailure(future);
    assertThat(t).isInstanceOf(RejectedTaskException.class);
    RejectedTaskException e = (RejectedTaskException) t;
    assertThat(e.reason()).isEqualTo(reason);
    return e;
  }

  /** The rejection a future that already failed carries; fails if it is not (yet) failed. */
  static RejectedTaskException rejectedAtOnce(Future<?> future, RejectionReason reason) {
    assertThat(future.failed()).as("rejected at once").isTrue();
    assertThat(future.cause()).isInstanceOf(RejectedTaskException.class);
    RejectedTaskException e = (RejectedTaskException) future.cause();
    assertThat(e.reason()).isEqualTo(reason);
    return e;
  }

  /**
   * Waits until the pool has counted {@code n} finished tasks; its bookkeeping runs just after a
   * result is delivered.
   */
  static void awaitCompleted(WorkerPool pool, long n) {
    Awaitility.await().atMost(WAIT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1))
        .until(() -> pool.stats().completed() >= n);
    assertThat(pool.stats().completed()).isEqualTo(n);
  }

  /** Submits {@code task}, waits for its result and for the pool to record its completion. */
  static <T> T runAndSettle(WorkerPool pool, Callable<T> task) {
    long before = pool.stats().completed();
    T result = await(pool.submit(task));
    awaitCompleted(pool, before + 1);
    return result;
  }

  /**
   * Tasks that hold their slot until {@link #open()}; {@link #awaitEntered} waits until a number of
   * them are running. Always open a gate in a finally block or an {@code @AfterEach}.
   */
  static final class Gate {
    private final CountDownLatch open = new CountDownLatch(1);
    private final Semaphore entered = new Semaphore(0);

    /** A task that blocks until the gate opens, then returns {@code value}. */
    <T> Callable<T> task(T value) {
      return () -> {
        entered.release();
        if (!open.await(WAIT.toMillis() * 2, TimeUnit.MILLISECONDS)) {
          throw new IllegalStateException("gate never opened");
        }
        return value;
      };
    }

    void awaitEntered(int n) throws InterruptedException {
      assertThat(entered.tryAcquire(n, WAIT.toMillis(), TimeUnit.MILLISECONDS))
          .as("%d gated tasks running", n).isTrue();
      entered.release(n);
    }

    void open() {
      open.countDown();
    }
  }
}
