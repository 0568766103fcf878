package dev.bulwark.tasks;

import static dev.bulwark.tasks.Queues.BOUND;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.bulwark.core.testing.Await;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The behaviour both backends share: run, retry, dead letters, time limits, cancel, idempotency, delay. */
class TaskQueueTest {

  record Report(int rows) {
  }

  record Item(String name, int qty) {
  }

  record Order(List<Item> items) {
  }

  private final Queues queues = new Queues();

  @AfterEach
  void tearDown() throws Exception {
    queues.close();
  }

  static TaskStatus status(TaskQueue q, String id) {
    return Await.result(q.status(id), BOUND).orElseThrow(() -> new AssertionError("unknown task " + id));
  }

  static void awaitState(TaskQueue q, String id, TaskState state) {
    await().atMost(BOUND).pollInterval(Duration.ofMillis(10)).until(() -> status(q, id).state() == state);
  }

  @ParameterizedTest
  @EnumSource(Store.class)
  void submit_runsAndStoresResult(Store store) {
    TaskQueue q = queues.create(store, b -> { });
    q.register("report", Report.class, (p, ctx) -> {
      ctx.progress(0.5, "half");
      return Map.of("rows", p.rows(), "attempt", ctx.attempt());
    });
    Queues.start(q);

    String id = Await.result(q.submit("report", new Report(7)), BOUND);
    awaitState(q, id, TaskState.SUCCEEDED);

    TaskStatus s = status(q, id);
    assertThat(s.type()).isEqualTo("report");
    assertThat(s.result()).isEqualTo(Map.of("rows", 7, "attempt", 1));
    assertThat(s.attempts()).isEqualTo(1);
    assertThat(s.progress()).isEqualTo(1.0);
    assertThat(s.createdAt()).isNotNull();
    assertThat(s.startedAt()).isAfterOrEqualTo(s.createdAt());
    assertThat(s.finishedAt()).isAfterOrEqualTo(s.startedAt());
    assertThat(Await.result(q.status("no-such-task"), BOUND)).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(Store.class)
  void idleWorker_startsATaskSubmittedAnywhereWithoutWaitingForItsPoll(Store store) {
    String name = Queues.uniqueName();
    TaskQueue worker = queues.create(store, name, b -> b.pollInterval(Duration.ofHours(1)));
    CountDownLatch ran = new CountDownLatch(2);
    worker.register("noop", Report.class, (p, ctx) -> {
      ran.countDown();
      return null;
    });
    Queues.start(worker);
    // On Redis the submits come from another instance, which can only announce them through Redis.
    TaskQueue submitter = store == Store.REDIS
        ? queues.create(store, name, b -> b.runWorkers(false)) : worker;
    if (submitter != worker) {
      submitter.register("noop", Report.class, (p, ctx) -> null);
      Queues.start(submitter);
    }
    // Each submit finds the worker idle or just claiming, its next poll an hour away: only a
    // wake-up can start the task before that.
    Await.result(submitter.submit("noop", new Report(1)), BOUND);
    await().atMost(BOUND).until(() -> ran.getCount() == 1);
    Await.result(submitter.submit("noop", new Report(2)), BOUND);
    await().atMost(BOUND).until(() -> ran.getCount() == 0);
  }

  @ParameterizedTest
  @EnumSource(Store.class)
  void asyncHandler_runsOnEventLoop(Store store) {
    TaskQueue q = queues.create(store, b -> { });
    q.registerAsync("echo", JsonObject.class, (p, ctx) -> {
      assertThat(io.vertx.core.Context.isOnEventLoopThread()).isTrue();
      return Future.succeededFuture(p.put("seen", true));
    });
    Queues.start(q);
    String id = Await.result(q.submit("echo", Map.of("a", 1)), BOUND);
    awaitState(q, id, TaskState.SUCCEEDED);
    assertThat(status(q, id).result()).isEqualTo(Map.of("a", 1, "seen", true));
  }

  @ParameterizedTest
  @EnumSource(Store.class)
  void failingTask_retriesThenDeadLetters_whileOthersFlow(Store store) {
    TaskQueue q = queues.create(store, b -> b.maxAttempts(3).concurrency(2));
    AtomicInteger poisonRuns = new AtomicInteger();
    q.register("poison", Report.class, (p, ctx) -> {
      poisonRuns.incrementAndGet();
      throw new IllegalStateException("boom on attempt " + ctx.attempt());
    });
    q.register("report", Report.class, (p, ctx) -> p.rows());
    Queues.start(q);

    String poison = Await.result(q.submit("poison", new Report(1)), BOUND);
    List<String> good = new java.util.ArrayList<>();
    for (int i = 0; i < 20; i++) {
      good.add(Await.result(q.submit("report", new Report(i)), BOUND));
    }
    for (String id : good) {
      awaitState(q, id, TaskState.SUCCEEDED);
    }
    awaitState(q, poison, TaskState.DEAD);

    assertThat(poisonRuns).hasValue(3);
    TaskStatus dead = status(q, poison);
    assertThat(dead.attempts()).isEqualTo(3);
    assertThat(dead.error()).isEqualTo("IllegalStateException: boom on attempt 3");
    List<TaskStatus> letters = Await.result(q.deadLetters(10), BOUND);
    assertThat(letters).extracting(TaskStatus::id).containsExactly(poison);
    assertThat(letters.get(0).error()).contains("boom");

    assertThat(Await.result(q.retryDead(poison), BOUND)).isTrue();
    awaitState(q, poison, TaskState.DEAD);
    assertThat(poisonRuns).hasValue(6);
    assertThat(Await.result(q.discardDead(poison), BOUND)).isTrue();
    assertThat(Await.result(q.status(poison), BOUND)).isEmpty();
    assertThat(Await.result(q.deadLetters(10), BOUND)).isEmpty();
    assertThat(Await.result(q.discardDead(poison), BOUND)).isFalse();
  }

  @ParameterizedTest
  @EnumSource(Store.class)
  void undecodablePayload_goesToDeadLettersAtOnce(Store store) {
    String name = Queues.uniqueName();
    TaskQueue q = queues.create(store, name, b -> { });
    // Submitted where the type is not registered, so the submit cannot check it: in-process before
    // the handler is registered, on Redis from a submit-only instance.
    TaskQueue submitter = q;
    if (store == Store.REDIS) {
      submitter = queues.create(store, name, b -> b.runWorkers(false));
      Queues.start(submitter);
    }
    String bad = Await.result(submitter.submit("report", Map.of("rows", "many")), BOUND);
    AtomicInteger runs = new AtomicInteger();
    q.register("report", Report.class, (p, ctx) -> runs.incrementAndGet());
    Queues.start(q);
    String good = Await.result(q.submit("report", new Report(3)), BOUND);

    awaitState(q, bad, TaskState.DEAD);
    awaitState(q, good, TaskState.SUCCEEDED);
    TaskStatus s = status(q, bad);
    assertThat(s.error()).startsWith("payload cannot be decoded").contains("field 'rows'");
    assertThat(s.attempts()).isEqualTo(1);
    assertThat(runs).hasValue(1);
  }

  @ParameterizedTest
  @EnumSource(Store.class)
  void badPayload_failsSubmitNamingTheField(Store store) {
    TaskQueue q = queues.create(store, b -> { });
    q.register("report", Report.class, (p, ctx) -> p.rows());
    Queues.start(q);

    Throwable e = Await.failure(q.submit("report", new JsonObject().put("rows", "abc")), BOUND);
    assertThat(e).isInstanceOf(InvalidPayloadException.class)
        .hasMessage("invalid payload for task type 'report': field 'rows': must be an integer, but was \"abc\"");
    assertThat(((InvalidPayloadException) e).field()).isEqualTo("rows");

    Throwable unknown = Await.failure(q.submit("report", Map.of("rows", 1, "colour", "red")), BOUND);
    assertThat(unknown).hasMessage("invalid payload for task type 'report': field 'colour': is not a known"
        + " field (known: rows)");

    Throwable missing = Await.failure(q.submit("report", Map.of()), BOUND);
    assertThat(missing).isInstanceOf(InvalidPayloadException.class).hasMessageContaining("field 'rows'");

    q.register("order", Order.class, (p, ctx) -> p.items().size());
    Throwable nested = Await.failure(q.submit("order", Map.of("items", List.of(
        Map.of("name", "a", "qty", 1), Map.of("name", "b", "qty", "two")))), BOUND);
    assertThat(nested).hasMessage("invalid payload for task type 'order': field 'items[1].qty': must be an"
        + " integer, but was \"two\"");

    Throwable type = Await.failure(q.submit("no spaces", Map.of()), BOUND);
    assertThat(type).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("type must be");
  }

  @ParameterizedTest
  @EnumSource(Store.class)
  void timeLimit_failsAttemptFreesSlotAndTellsHandler(Store store) {
    TaskQueue q = queues.create(store, b -> b.concurrency(1).maxAttempts(2));
    Set<Integer> sawCancel = ConcurrentHashMap.newKeySet();
    q.register("slow", Report.class, (p, ctx) -> {
      // Blocks until the time limit interrupts it; records that it was told.
      try {
        new CountDownLatch(1).await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        if (ctx.cancelled()) {
          sawCancel.add(ctx.attempt());
        }
      }
      return null;
    });
    q.register("report", Report.class, (p, ctx) -> p.rows());
    Queues.start(q);

    String slow = Await.result(q.submit("slow", new Report(1),
        SubmitOptions.builder().timeLimit(Duration.ofMillis(100)).build()), BOUND);
    String after = Await.result(q.submit("report", new Report(2)), BOUND);
    awaitState(q, slow, TaskState.DEAD);
    awaitState(q, after, TaskState.SUCCEEDED);
    assertThat(status(q, slow).error()).isEqualTo("time limit of 100ms exceeded");
    await().atMost(BOUND).until(() -> sawCancel.containsAll(Set.of(1, 2)));
  }

  @ParameterizedTest
  @EnumSource(Store.class)
  void cancel_queuedTaskNeverRuns(Store store) {
    // The queue's clock stands still until the cancel is done, so the task is still queued then
    // however slow the machine. One task at a time: the cancelled one, due first, would be claimed
    // and run before the marker.
    FakeTicker ticker = new FakeTicker();
    TaskQueue q = queues.create(store, b -> b.ticker(ticker).concurrency(1));
    AtomicInteger runs = new AtomicInteger();
    q.register("report", Report.class, (p, ctx) -> runs.incrementAndGet());
    Queues.start(q);
    String id = Await.result(q.submit("report", new Report(1),
        SubmitOptions.builder().delay(Duration.ofMillis(300)).build()), BOUND);
    assertThat(Await.result(q.cancel(id), BOUND)).isTrue();
    assertThat(status(q, id).state()).isEqualTo(TaskState.CANCELLED);
    String marker = Await.result(q.submit("report", new Report(2),
        SubmitOptions.builder().delay(Duration.ofMillis(400)).build()), BOUND);
    ticker.advance(Duration.ofMillis(400));
    awaitState(q, marker, TaskState.SUCCEEDED);
    assertThat(runs).hasValue(1);
    assertThat(status(q, id).state()).isEqualTo(TaskState.CANCELLED);
    assertThat(Await.result(q.cancel("no-such-task"), BOUND)).isFalse();
  }

  @ParameterizedTest
  @EnumSource(Store.class)
  void cancel_runningTaskSeesCancelled(Store store) {
    TaskQueue q = queues.create(store, b -> { });
    CountDownLatch started = new CountDownLatch(1);
    q.register("loop", Report.class, (p, ctx) -> {
      started.countDown();
      await().atMost(BOUND).pollInterval(Duration.ofMillis(5)).until(ctx::cancelled);
      throw new IllegalStateException("stopped: cancelled");
    });
    Queues.start(q);
    String id = Await.result(q.submit("loop", new Report(1)), BOUND);
    assertThat(awaitLatch(started)).isTrue();
    assertThat(Await.result(q.cancel(id), BOUND)).isTrue();
    awaitState(q, id, TaskState.CANCELLED);
    assertThat(status(q, id).attempts()).isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(Store.class)
  void idempotencyKey_secondSubmitReturnsFirstIdAndRunsNothing(Store store) {
    TaskQueue q = queues.create(store, b -> { });
    AtomicInteger runs = new AtomicInteger();
    q.register("report", Report.class, (p, ctx) -> {
      runs.incrementAndGet();
      return ctx.idempotencyKey();
    });
    Queues.start(q);
    SubmitOptions key = SubmitOptions.builder().idempotencyKey("order-42").build();
    String first = Await.result(q.submit("report", new Report(1), key), BOUND);
    String second = Await.result(q.submit("report", new Report(2), key), BOUND);
    assertThat(second).isEqualTo(first);
    awaitState(q, first, TaskState.SUCCEEDED);
    String third = Await.result(q.submit("report", new Report(3), key), BOUND);
    assertThat(third).isEqualTo(first);
    String other = Await.result(q.submit("report", new Report(4)), BOUND);
    awaitState(q, other, TaskState.SUCCEEDED);
    assertThat(runs).hasValue(2);
    assertThat(status(q, first).result()).isEqualTo("order-42");
  }

  @ParameterizedTest
  @EnumSource(Store.class)
  void delay_runsNoSoonerThanDue(Store store) {
    // The queue's clock (due times, createdAt, startedAt) is a fake ticker: the task stays queued
    // while the test checks it, however slow the machine, and becomes due only when moved on.
    FakeTicker ticker = new FakeTicker();
    TaskQueue q = queues.create(store, b -> b.ticker(ticker));
    q.register("report", Report.class, (p, ctx) -> p.rows());
    Queues.start(q);
    String id = Await.result(q.submit("report", new Report(5),
        SubmitOptions.builder().delay(Duration.ofMillis(300)).build()), BOUND);
    ticker.advance(Duration.ofMillis(299));
    TaskStatus queued = status(q, id);
    assertThat(queued.state()).isEqualTo(TaskState.QUEUED);
    assertThat(Await.result(q.depth(), BOUND)).isEqualTo(1L);
    ticker.advance(Duration.ofMillis(1));
    awaitState(q, id, TaskState.SUCCEEDED);
    TaskStatus done = status(q, id);
    assertThat(Duration.between(done.createdAt(), done.startedAt())).isGreaterThanOrEqualTo(Duration.ofMillis(300));
  }

  @ParameterizedTest
  @EnumSource(Store.class)
  void queueFull_failsAtOnceWithOverloaded(Store store) {
    TaskQueue q = queues.create(store, b -> b.maxQueued(3).runWorkers(false));
    Queues.start(q);
    for (int i = 0; i < 3; i++) {
      Await.result(q.submit("report", new Report(i)), BOUND);
    }
    Throwable e = Await.failure(q.submit("report", new Report(9)), BOUND);
    assertThat(e).isInstanceOf(QueueFullException.class).isInstanceOf(dev.bulwark.core.Overloaded.class)
        .hasMessage(q.name() + " - queue full: 3 tasks waiting (maxQueued=3), retry after 1s");
    assertThat(e.getStackTrace()).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(Store.class)
  void drain_letsRunningFinishAndStopsClaiming(Store store) {
    TaskQueue q = queues.create(store, b -> b.concurrency(1));
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    q.register("gate", Report.class, (p, ctx) -> {
      started.countDown();
      return release.await(30, TimeUnit.SECONDS);
    });
    Queues.start(q);
    String running = Await.result(q.submit("gate", new Report(1)), BOUND);
    assertThat(awaitLatch(started)).isTrue();
    Future<Void> drained = q.drain(Duration.ofSeconds(20));
    String waiting = Await.result(q.submit("gate", new Report(2)), BOUND);
    assertThat(drained.isComplete()).isFalse();
    release.countDown();
    Await.result(drained, BOUND);
    assertThat(status(q, running).state()).isEqualTo(TaskState.SUCCEEDED);
    assertThat(status(q, waiting).state()).isEqualTo(TaskState.QUEUED);
    assertThat(Await.result(q.health(), BOUND).workersAlive()).isFalse();
  }

  @ParameterizedTest
  @EnumSource(Store.class)
  void drain_handsBackWhatOutlivesTheGrace(Store store) {
    TaskQueue q = queues.create(store, b -> b.concurrency(1));
    CountDownLatch started = new CountDownLatch(1);
    q.register("stuck", Report.class, (p, ctx) -> {
      started.countDown();
      await().atMost(BOUND).pollInterval(Duration.ofMillis(5)).until(ctx::cancelled);
      return "late";
    });
    Queues.start(q);
    String id = Await.result(q.submit("stuck", new Report(1)), BOUND);
    assertThat(awaitLatch(started)).isTrue();
    Await.result(q.drain(Duration.ofMillis(50)), BOUND);
    TaskStatus s = status(q, id);
    assertThat(s.state()).isEqualTo(TaskState.QUEUED);
    assertThat(s.attempts()).isZero();
  }

  @ParameterizedTest
  @EnumSource(Store.class)
  void health_reportsStoreAndWorkers(Store store) {
    TaskQueue q = queues.create(store, b -> { });
    Queues.start(q);
    await().atMost(BOUND).until(() -> Await.result(q.health(), BOUND).healthy());
    TaskQueueHealth h = Await.result(q.health(), BOUND);
    assertThat(h.backend()).isEqualTo(store == Store.REDIS ? "redis" : "in-process");
    assertThat(h.storeReachable()).isTrue();
  }

  @ParameterizedTest
  @EnumSource(Store.class)
  void manyTasksCompletingAtOnce_runWithoutRecursion(Store store) {
    // An in-process store and handlers that complete synchronously once recursed claim -> run ->
    // settle -> claim until the stack overflowed.
    TaskQueue q = queues.create(store, b -> b.concurrency(8));
    AtomicInteger done = new AtomicInteger();
    q.registerAsync("noop", Map.class, (p, ctx) -> {
      done.incrementAndGet();
      return Future.succeededFuture();
    });
    Queues.start(q);
    int n = 5_000;
    for (int from = 0; from < n; from += 500) {
      List<Future<String>> batch = new java.util.ArrayList<>();
      for (int i = from; i < from + 500; i++) {
        batch.add(q.submit("noop", Map.of("i", i)));
      }
      Await.result(Future.all(batch), BOUND);
    }
    await().atMost(Duration.ofSeconds(60)).until(() -> done.get() == n);
    await().atMost(BOUND).until(() -> Await.result(q.depth(), BOUND) == 0L);
  }

  @ParameterizedTest
  @EnumSource(Store.class)
  void namedQueues_areBulkheads(Store store) {
    TaskQueue slow = queues.create(store, b -> b.concurrency(2));
    TaskQueue fast = queues.create(store, b -> b.concurrency(2));
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch blocked = new CountDownLatch(2);
    slow.register("stuck", Report.class, (p, ctx) -> {
      blocked.countDown();
      return release.await(30, TimeUnit.SECONDS);
    });
    fast.register("report", Report.class, (p, ctx) -> p.rows());
    Queues.start(slow);
    Queues.start(fast);
    for (int i = 0; i < 4; i++) {
      Await.result(slow.submit("stuck", new Report(i)), BOUND);
    }
    assertThat(awaitLatch(blocked)).isTrue();
    String id = Await.result(fast.submit("report", new Report(1)), BOUND);
    awaitState(fast, id, TaskState.SUCCEEDED);
    assertThat(Await.result(slow.depth(), BOUND)).isEqualTo(2L);
    release.countDown();
  }

  static boolean awaitLatch(CountDownLatch latch) {
    try {
      return latch.await(BOUND.toSeconds(), TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  static Optional<TaskStatus> maybe(TaskQueue q, String id) {
    return Await.result(q.status(id), BOUND);
  }
}
