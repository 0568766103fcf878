package dev.bulwark.core;

import static dev.bulwark.core.TestSupport.await;
import static dev.bulwark.core.TestSupport.awaitFailure;
import static dev.bulwark.core.TestSupport.awaitRejection;
import static dev.bulwark.core.TestSupport.rejectedAtOnce;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CloseTest {

  private final TestSupport.Gate gate = new TestSupport.Gate();
  private WorkerPool pool;

  @AfterEach
  void release() {
    gate.open();
    if (pool != null) {
      await(pool.close(Duration.ofSeconds(1)));
    }
  }

  @Test
  void close_drainsRunningAndQueuedTasks_andRejectsNewOnes() throws Exception {
    pool = WorkerPool.builder().name("drain").maxConcurrency(2).maxQueue(5).build();
    List<Future<Integer>> tasks = new ArrayList<>();
    tasks.add(pool.submit(gate.task(0)));
    tasks.add(pool.submit(gate.task(1)));
    gate.awaitEntered(2);
    for (int i = 2; i < 5; i++) {
      int value = i;
      tasks.add(pool.submit(() -> value));
    }

    Future<Void> closed = pool.close(Duration.ofSeconds(30));
    AtomicBoolean tasksDoneFirst = new AtomicBoolean();
    CompletableFuture<Void> closeSeen = new CompletableFuture<>();
    closed.onComplete(ar -> {
      tasksDoneFirst.set(tasks.stream().allMatch(Future::succeeded));
      closeSeen.complete(null);
    });

    RejectedTaskException e = rejectedAtOnce(pool.submit(() -> 99), RejectionReason.SHUTTING_DOWN);
    assertThat(e.active()).isEqualTo(2);
    assertThat(e.queued()).isEqualTo(3);
    assertThat(closed.isComplete()).isFalse();

    gate.open();
    for (int i = 0; i < tasks.size(); i++) {
      assertThat(await(tasks.get(i))).isEqualTo(i);
    }
    await(closed);
    closeSeen.get(5, TimeUnit.SECONDS);
    assertThat(tasksDoneFirst).as("every task finished before the close future").isTrue();
    PoolStats stats = pool.stats();
    assertThat(stats.active()).isZero();
    assertThat(stats.queued()).isZero();
    assertThat(stats.completed()).isEqualTo(5);
    assertThat(stats.rejected()).isEqualTo(1);
  }

  @Test
  void close_afterGrace_failsQueuedAndInterruptsRunning() throws Exception {
    pool = WorkerPool.builder().name("grace").maxConcurrency(1).maxQueue(5)
        .queueTimeout(Duration.ofMinutes(1)).build();
    CountDownLatch never = new CountDownLatch(1);
    CountDownLatch started = new CountDownLatch(1);
    AtomicBoolean interrupted = new AtomicBoolean();
    Future<String> stuck = pool.submit(() -> {
      started.countDown();
      try {
        never.await();
        return "impossible";
      } catch (InterruptedException ie) {
        interrupted.set(true);
        throw ie;
      }
    });
    assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
    AtomicBoolean queuedRan = new AtomicBoolean();
    List<Future<String>> queued = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      queued.add(pool.submit(() -> {
        queuedRan.set(true);
        return "queued";
      }));
    }

    Future<Void> closed = pool.close(Duration.ofMillis(50));

    await(closed);
    for (Future<String> f : queued) {
      awaitRejection(f, RejectionReason.SHUTTING_DOWN);
    }
    assertThat(awaitFailure(stuck)).isInstanceOf(InterruptedException.class);
    assertThat(interrupted).isTrue();
    Awaitility.await().atMost(TestSupport.WAIT).until(() -> pool.stats().active() == 0);
    assertThat(queuedRan).isFalse();
    assertThat(pool.stats().queued()).isZero();
    assertThat(pool.stats().rejected()).isEqualTo(2);
  }

  @Test
  void close_twice_returnsTheSameFuture() throws Exception {
    pool = WorkerPool.builder().name("twice").maxConcurrency(1).build();
    Future<String> running = pool.submit(gate.task("x"));
    gate.awaitEntered(1);

    Future<Void> first = pool.close(Duration.ofSeconds(5));
    Future<Void> second = pool.close(Duration.ZERO);

    assertThat(second).isSameAs(first);
    assertThat(first.isComplete()).isFalse();
    gate.open();
    assertThat(await(running)).isEqualTo("x");
    await(first);
    assertThat(pool.close(Duration.ofSeconds(1))).isSameAs(first);
  }

  @Test
  void close_idlePool_completesAtOnce() {
    pool = WorkerPool.builder().name("idle").maxConcurrency(1).build();
    TestSupport.runAndSettle(pool, () -> "x");

    Future<Void> closed = pool.close(Duration.ofSeconds(30));

    assertThat(closed.succeeded()).isTrue();
    rejectedAtOnce(pool.submit(() -> "y"), RejectionReason.SHUTTING_DOWN);
  }

  @Test
  void close_rejectsNegativeOrMissingGrace() {
    pool = WorkerPool.builder().name("idle").maxConcurrency(1).build();
    assertThatThrownBy(() -> pool.close(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("grace must be >= 0, but was PT-0.001S");
    assertThatThrownBy(() -> pool.close(null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("grace must be >= 0, but was null");
  }
}
