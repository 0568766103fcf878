package dev.bulwark.tasks;

import static dev.bulwark.tasks.Queues.BOUND;
import static dev.bulwark.tasks.TaskQueueTest.awaitState;
import static dev.bulwark.tasks.TaskQueueTest.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.bulwark.core.testing.Await;
import dev.bulwark.core.testing.LocalServers;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Redis-only guarantees: a task whose worker was killed is run again (by another worker after the
 * visibility timeout, or at once by the same consumer restarted); a task longer than the
 * visibility timeout runs once; a cron tick is submitted once across instances.
 */
class RedisRecoveryTest {

  private final Queues queues = new Queues();

  @BeforeEach
  void redis() {
    LocalServers.assumeRedis();
  }

  @AfterEach
  void tearDown() throws Exception {
    queues.close();
  }

  @Test
  void killedWorker_taskRedeliveredToAnotherAfterVisibilityTimeout() throws Exception {
    String name = Queues.uniqueName();
    TaskQueue submitter = queues.create(Store.REDIS, name, b -> b.runWorkers(false));
    Queues.start(submitter);
    String id;
    try (ChildWorker child = ChildWorker.start(LocalServers.REDIS_URL, name, "doomed", "500", "hang")) {
      id = Await.result(submitter.submit("hold", Map.of("x", 1)), BOUND);
      await().atMost(BOUND).until(() -> child.lines.contains("STARTED " + id + " 1"));
      assertThat(status(submitter, id).state()).isEqualTo(TaskState.RUNNING);
      child.kill9();
    }
    TaskQueue rescuer = queues.create(Store.REDIS, name, b -> b.visibilityTimeout(Duration.ofMillis(500)));
    rescuer.register("hold", Map.class, (p, ctx) -> "rescued on attempt " + ctx.attempt());
    Queues.start(rescuer);
    awaitState(submitter, id, TaskState.SUCCEEDED);
    assertThat(status(submitter, id).result()).isEqualTo("rescued on attempt 2");
  }

  @Test
  void restartedConsumer_replaysItsOwnPendingTasksAtOnce() throws Exception {
    String name = Queues.uniqueName();
    TaskQueue submitter = queues.create(Store.REDIS, name, b -> b.runWorkers(false));
    Queues.start(submitter);
    String id;
    try (ChildWorker child = ChildWorker.start(LocalServers.REDIS_URL, name, "stable-1", "3600000", "hang")) {
      id = Await.result(submitter.submit("hold", Map.of()), BOUND);
      await().atMost(BOUND).until(() -> child.lines.contains("STARTED " + id + " 1"));
      child.kill9();
    }
    // The visibility timeout is an hour: only the replay of its own pending list can run it now.
    try (ChildWorker again = ChildWorker.start(LocalServers.REDIS_URL, name, "stable-1", "3600000", "ok")) {
      awaitState(submitter, id, TaskState.SUCCEEDED);
      assertThat(status(submitter, id).attempts()).isEqualTo(2);
      assertThat(again.alive()).isTrue();
    }
  }

  @Test
  void taskThreeTimesLongerThanVisibilityTimeout_runsOnce() {
    String name = Queues.uniqueName();
    AtomicInteger runs = new AtomicInteger();
    List<TaskQueue> workers = new CopyOnWriteArrayList<>();
    for (int i = 0; i < 2; i++) {
      // 3 s, renewed every second: a claim is lost only if its heartbeat stalls for 2 s, which a
      // loaded machine can do to a 1 s timeout's 333 ms heartbeat (700 ms were enough).
      TaskQueue w = queues.create(Store.REDIS, name, b -> b.visibilityTimeout(Duration.ofSeconds(3)));
      w.register("long", Map.class, (p, ctx) -> {
        runs.incrementAndGet();
        // The work itself: three times the visibility timeout, while the other worker polls. Real
        // time, not a latch: Redis measures the claim's idle time on its own clock.
        Thread.sleep(9_000);
        return ctx.attempt();
      });
      Queues.start(w);
      workers.add(w);
    }
    String id = Await.result(workers.get(0).submit("long", Map.of()), BOUND);
    awaitState(workers.get(0), id, TaskState.SUCCEEDED);
    TaskStatus s = status(workers.get(0), id);
    assertThat(s.result()).isEqualTo(1);
    assertThat(s.attempts()).isEqualTo(1);
    assertThat(runs).hasValue(1);
  }

  @Test
  void cancelFromAnotherInstance_reachesTheRunningTask_andProgressIsShared() {
    String name = Queues.uniqueName();
    TaskQueue web = queues.create(Store.REDIS, name, b -> b.runWorkers(false));
    TaskQueue worker = queues.create(Store.REDIS, name, b -> { });
    worker.register("loop", Map.class, (p, ctx) -> {
      ctx.progress(0.25, "a quarter");
      await().atMost(BOUND).pollInterval(Duration.ofMillis(5)).until(ctx::cancelled);
      throw new IllegalStateException("stopped");
    });
    Queues.start(web);
    Queues.start(worker);
    String id = Await.result(web.submit("loop", Map.of()), BOUND);
    await().atMost(BOUND).until(() -> status(web, id).progress() == 0.25);
    TaskStatus running = status(web, id);
    assertThat(running.state()).isEqualTo(TaskState.RUNNING);
    assertThat(running.progressMessage()).isEqualTo("a quarter");
    assertThat(Await.result(web.cancel(id), BOUND)).isTrue();
    awaitState(web, id, TaskState.CANCELLED);
    assertThat(status(web, id).attempts()).isEqualTo(1);
  }

  @Test
  void redisOutage_healthTurnsDown_thenTheQueueGoesOn() throws Exception {
    try (PrivateRedis redis = PrivateRedis.start(false)) {
      TaskQueue q = TaskQueue.create(queues.vertx, TaskQueueOptions.builder().name(Queues.uniqueName())
          .redis(redis.url()).redisTimeout(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(20))
          .build());
      q.register("echo", Map.class, (p, ctx) -> p.get("v"));
      Queues.start(q);
      String before = Await.result(q.submit("echo", Map.of("v", 1)), BOUND);
      awaitState(q, before, TaskState.SUCCEEDED);
      assertThat(Await.result(q.health(), BOUND).healthy()).isTrue();

      redis.kill();
      await().atMost(BOUND).until(() -> !Await.result(q.health(), BOUND).storeReachable());
      assertThat(Await.result(q.health(), BOUND).healthy()).isFalse();

      // Started again without persistence: the stream and its group are gone and are recreated.
      redis.startAgain();
      String after = await().atMost(BOUND).ignoreExceptions()
          .until(() -> Await.result(q.submit("echo", Map.of("v", 2)), BOUND), id -> id != null);
      awaitState(q, after, TaskState.SUCCEEDED);
      assertThat(status(q, after).result()).isEqualTo(2);
      assertThat(Await.result(q.health(), BOUND).storeReachable()).isTrue();
      Await.result(q.close(), BOUND);
    }
  }

  @Test
  void cron_firesOncePerTickAcrossTwoInstances() {
    String name = Queues.uniqueName();
    Map<String, Integer> ticks = new ConcurrentHashMap<>();
    List<TaskQueue> instances = new CopyOnWriteArrayList<>();
    for (int i = 0; i < 2; i++) {
      TaskQueue q = queues.create(Store.REDIS, name, b -> { });
      q.register("beat", Map.class, (p, ctx) -> {
        ticks.merge(ctx.idempotencyKey(), 1, Integer::sum);
        return p.get("who");
      });
      q.schedule("every-second", "* * * * * *", "beat", Map.of("who", "cron"));
      Queues.start(q);
      instances.add(q);
    }
    await().atMost(BOUND).until(() -> ticks.size() >= 3);
    for (TaskQueue q : instances) {
      Await.result(q.drain(Duration.ofSeconds(5)), BOUND);
    }
    assertThat(ticks.keySet()).allMatch(k -> k.matches("cron:every-second:\\d+000"));
    assertThat(ticks.values()).containsOnly(1);
  }
}
