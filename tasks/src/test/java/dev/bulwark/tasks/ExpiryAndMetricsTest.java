package dev.bulwark.tasks;

import static dev.bulwark.tasks.Queues.BOUND;
import static dev.bulwark.tasks.TaskQueueTest.awaitState;
import static dev.bulwark.tasks.TaskQueueTest.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.bulwark.core.testing.Await;
import dev.bulwark.core.testing.LocalServers;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Results expire after resultTtl; meters are tagged per queue and type and removed on close. */
class ExpiryAndMetricsTest {

  record Job(int n) {
  }

  private final Queues queues = new Queues();

  @AfterEach
  void tearDown() throws Exception {
    queues.close();
  }

  @Test
  void inProcess_statusResultAndIdempotencyKeyExpireAfterResultTtl() {
    FakeTicker ticker = new FakeTicker();
    TaskQueue q = queues.create(Store.IN_PROCESS, b -> b.ticker(ticker).resultTtl(Duration.ofHours(1)));
    q.register("job", Job.class, (p, ctx) -> p.n());
    Queues.start(q);
    SubmitOptions key = SubmitOptions.builder().idempotencyKey("k1").build();
    String id = Await.result(q.submit("job", new Job(1), key), BOUND);
    awaitState(q, id, TaskState.SUCCEEDED);

    ticker.advance(Duration.ofMinutes(59));
    assertThat(status(q, id).result()).isEqualTo(1);
    assertThat(Await.result(q.submit("job", new Job(2), key), BOUND)).isEqualTo(id);

    ticker.advance(Duration.ofMinutes(1));
    assertThat(Await.result(q.status(id), BOUND)).isEmpty();
    String again = Await.result(q.submit("job", new Job(3), key), BOUND);
    assertThat(again).isNotEqualTo(id);
    awaitState(q, again, TaskState.SUCCEEDED);
  }

  @Test
  void redis_finishedTaskAndItsIdempotencyKeyCarryTheResultTtl() throws Exception {
    String name = Queues.uniqueName();
    TaskQueue q = queues.create(Store.REDIS, name, b -> b.resultTtl(Duration.ofMinutes(10))
        .deadLetterTtl(Duration.ofHours(2)).maxAttempts(1));
    q.register("job", Job.class, (p, ctx) -> {
      if (p.n() < 0) {
        throw new IllegalArgumentException("negative");
      }
      return p.n();
    });
    Queues.start(q);
    String id = Await.result(q.submit("job", new Job(1),
        SubmitOptions.builder().idempotencyKey("k1").build()), BOUND);
    String dead = Await.result(q.submit("job", new Job(-1)), BOUND);
    String queuedKey = "{bulwark:tasks:" + name + "}:task:" + id;
    awaitState(q, id, TaskState.SUCCEEDED);
    awaitState(q, dead, TaskState.DEAD);

    long ttl = Long.parseLong(cli("PTTL", queuedKey));
    assertThat(ttl).isBetween(1L, Duration.ofMinutes(10).toMillis());
    long keyTtl = Long.parseLong(cli("PTTL", "{bulwark:tasks:" + name + "}:idem:k1"));
    assertThat(keyTtl).isBetween(1L, Duration.ofMinutes(10).toMillis());
    long deadTtl = Long.parseLong(cli("PTTL", "{bulwark:tasks:" + name + "}:task:" + dead));
    assertThat(deadTtl).isBetween(Duration.ofMinutes(10).toMillis(), Duration.ofHours(2).toMillis());
    // Acknowledged entries are deleted: the stream holds only waiting and running tasks.
    assertThat(cli("XLEN", "{bulwark:tasks:" + name + "}:stream")).isEqualTo("0");
  }

  @ParameterizedTest
  @EnumSource(Store.class)
  void meters_perQueueAndType_removedOnClose(Store store) {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    TaskQueue q = queues.create(store, b -> b.meterRegistry(registry).maxAttempts(2));
    q.register("ok", Job.class, (p, ctx) -> p.n());
    q.register("bad", Job.class, (p, ctx) -> {
      throw new IllegalStateException("no");
    });
    Queues.start(q);
    String ok = Await.result(q.submit("ok", new Job(1)), BOUND);
    String bad = Await.result(q.submit("bad", new Job(1)), BOUND);
    awaitState(q, ok, TaskState.SUCCEEDED);
    awaitState(q, bad, TaskState.DEAD);

    String queue = q.name();
    assertThat(registry.get("bulwark.tasks.succeeded").tags("queue", queue, "type", "ok").counter().count())
        .isEqualTo(1.0);
    assertThat(registry.get("bulwark.tasks.failed").tags("queue", queue, "type", "bad").counter().count())
        .isEqualTo(2.0);
    assertThat(registry.get("bulwark.tasks.retried").tags("queue", queue, "type", "bad").counter().count())
        .isEqualTo(1.0);
    assertThat(registry.get("bulwark.tasks.dead").tags("queue", queue, "type", "bad").counter().count())
        .isEqualTo(1.0);
    assertThat(registry.get("bulwark.tasks.run").tags("queue", queue, "type", "ok").timer().count())
        .isEqualTo(1);
    assertThat(registry.get("bulwark.tasks.queue.wait").tags("queue", queue, "type", "bad").timer().count())
        .isEqualTo(2);
    assertThat(registry.get("bulwark.tasks.depth").tags("queue", queue).gauge().value()).isNotNaN();
    assertThat(registry.get("bulwark.tasks.oldest.age").tags("queue", queue).gauge().value()).isNotNaN();
    assertThat(registry.get("bulwark.tasks.running").tags("queue", queue).gauge().value()).isNotNaN();
    assertThat(registry.get("bulwark.pool.active").tags("pool", "tasks-" + queue).gauge()).isNotNull();

    Await.result(q.close(), BOUND);
    assertThat(registry.getMeters()).extracting(Meter::getId)
        .noneMatch(id -> queue.equals(id.getTag("queue")) || ("tasks-" + queue).equals(id.getTag("pool")));

    // A queue created again under the same name registers fresh meters, reading its own state.
    TaskQueue again = queues.create(store, queue, b -> b.meterRegistry(registry).concurrency(3));
    again.register("ok", Job.class, (p, ctx) -> p.n());
    Queues.start(again);
    awaitState(again, Await.result(again.submit("ok", new Job(2)), BOUND), TaskState.SUCCEEDED);
    assertThat(registry.get("bulwark.pool.limit").tags("pool", "tasks-" + queue).gauge().value()).isEqualTo(3.0);
    assertThat(registry.get("bulwark.tasks.succeeded").tags("queue", queue, "type", "ok").counter().count())
        .isEqualTo(1.0);
  }

  @ParameterizedTest
  @EnumSource(Store.class)
  void depthGauge_countsWaitingTasks(Store store) throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    TaskQueue q = queues.create(store, b -> b.meterRegistry(registry).runWorkers(false));
    Queues.start(q);
    for (int i = 0; i < 3; i++) {
      Await.result(q.submit("job", new Job(i)), BOUND);
    }
    Await.result(q.submit("job", new Job(9), SubmitOptions.builder().delay(Duration.ofHours(1)).build()), BOUND);
    assertThat(Await.result(q.depth(), BOUND)).isEqualTo(4L);
    if (store == Store.REDIS) {
      // Delayed tasks wait in Redis, in a sorted set by due time, not in any worker's memory.
      String prefix = "{bulwark:tasks:" + q.name() + "}";
      assertThat(cli("ZCARD", prefix + ":delayed")).isEqualTo("1");
      assertThat(cli("XLEN", prefix + ":stream")).isEqualTo("3");
    }
    await().atMost(BOUND).until(() -> registry.get("bulwark.tasks.depth").tags("queue", q.name())
        .gauge().value() == 4.0);
  }

  private static String cli(String... args) throws java.io.IOException {
    String[] cmd = new String[args.length + 5];
    cmd[0] = "redis-cli";
    cmd[1] = "-h";
    cmd[2] = LocalServers.REDIS_HOST;
    cmd[3] = "-p";
    cmd[4] = String.valueOf(LocalServers.REDIS_PORT);
    System.arraycopy(args, 0, cmd, 5, args.length);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(Queues.waitFor(p)).as("redis-cli %s: %s", args[0], out).isZero();
    return out;
  }
}
