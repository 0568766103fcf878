package dev.bulwark.tasks;

import static dev.bulwark.tasks.Queues.BOUND;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.bulwark.core.testing.Await;
import dev.bulwark.core.testing.LocalServers;
import io.vertx.core.Future;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * "Done means": 10,000 tasks whose effect is an INSERT keyed by the task id, run by a worker in a
 * child JVM that is killed with {@code kill -9} five times, while the private Redis (AOF,
 * {@code appendfsync always}) is killed and restarted once. Every task must end succeeded or dead,
 * none may be lost, and no effect may be applied twice (the effect and its unique key commit in
 * one transaction; a counter in the same transaction counts only new rows).
 */
class ChaosTest {

  private static final int TASKS = 10_000;

  @Test
  void killedWorkersAndRestartedRedis_loseNothingAndApplyNothingTwice() throws Exception {
    LocalServers.assumePostgres();
    String table = "chaos_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    String name = Queues.uniqueName();
    try (PrivateRedis redis = PrivateRedis.start(true);
        Connection db = LocalServers.connectPostgres();
        Queues queues = new Queues()) {
      exec(db, "CREATE TABLE " + table + " (task_id TEXT PRIMARY KEY, n INT NOT NULL)");
      exec(db, "CREATE TABLE " + table + "_runs (task_id TEXT NOT NULL)");
      exec(db, "CREATE TABLE " + table + "_total (applied BIGINT NOT NULL)");
      exec(db, "INSERT INTO " + table + "_total VALUES (0)");
      try {
        TaskQueue submitter = TaskQueue.create(queues.vertx, TaskQueueOptions.builder().name(name)
            .redis(redis.url()).runWorkers(false).build());
        Queues.start(submitter);
        List<String> ids = submitAll(submitter);

        int[] killAt = {1_000, 2_500, 4_000, 5_500, 7_000};
        int generation = 0;
        boolean redisRestarted = false;
        for (int threshold : killAt) {
          try (ChildWorker child = startWorker(redis, name, table, generation++)) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                .until(() -> applied(db, table) >= threshold);
            child.kill9();
          }
          if (!redisRestarted && threshold >= 4_000) {
            redis.restart();
            redisRestarted = true;
          }
        }
        try (ChildWorker last = startWorker(redis, name, table, generation)) {
          await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(50))
              .failFast("the last worker exited: " + last.lines, () -> !last.alive())
              .until(() -> finished(submitter, ids));
        }

        Map<TaskState, Integer> states = states(submitter, ids);
        long effects = count(db, "SELECT count(*) FROM " + table);
        long appliedTotal = applied(db, table);
        long runs = count(db, "SELECT count(*) FROM " + table + "_runs");
        long distinctEffects = count(db, "SELECT count(DISTINCT task_id) FROM " + table);
        System.out.printf("chaos: %s, effects=%d, runs=%d (reruns %d)%n", states, effects, runs, runs - TASKS);

        assertThat(states.getOrDefault(TaskState.SUCCEEDED, 0) + states.getOrDefault(TaskState.DEAD, 0))
            .as("every task succeeded or dead, none lost: %s", states).isEqualTo(TASKS);
        assertThat(appliedTotal).as("effects applied once each").isEqualTo(effects).isEqualTo(distinctEffects);
        assertThat(effects).isGreaterThanOrEqualTo(states.getOrDefault(TaskState.SUCCEEDED, 0));
        assertThat(lost(submitter, ids)).as("tasks without a status").isZero();
        assertThat(redis.cli("XLEN", "{bulwark:tasks:" + name + "}:stream")).isEqualTo("0");
      } finally {
        exec(db, "DROP TABLE IF EXISTS " + table + ", " + table + "_runs, " + table + "_total");
      }
    }
  }

  private static ChildWorker startWorker(PrivateRedis redis, String queue, String table, int generation) {
    // Alternating consumer names: a restart under the same name replays its own pending list at
    // once, under a new name the dead consumer's tasks are taken over after the visibility timeout.
    return ChildWorker.start(redis.url(), queue, "chaos-" + (generation % 2), "1000", "insert",
        LocalServers.POSTGRES_URL, table);
  }

  private static List<String> submitAll(TaskQueue q) {
    List<String> ids = new ArrayList<>(TASKS);
    for (int from = 0; from < TASKS; from += 500) {
      List<Future<String>> batch = new ArrayList<>();
      for (int i = from; i < Math.min(TASKS, from + 500); i++) {
        batch.add(q.submit("insert", Map.of("n", i)));
      }
      Await.result(Future.all(batch), BOUND);
      batch.forEach(f -> ids.add(f.result()));
    }
    return ids;
  }

  private static boolean finished(TaskQueue q, List<String> ids) {
    Map<TaskState, Integer> s = states(q, ids);
    return s.getOrDefault(TaskState.SUCCEEDED, 0) + s.getOrDefault(TaskState.DEAD, 0) == TASKS;
  }

  private static Map<TaskState, Integer> states(TaskQueue q, List<String> ids) {
    Map<TaskState, Integer> out = new EnumMap<>(TaskState.class);
    for (int from = 0; from < ids.size(); from += 1000) {
      List<Future<Optional<TaskStatus>>> batch = new ArrayList<>();
      for (String id : ids.subList(from, Math.min(ids.size(), from + 1000))) {
        batch.add(q.status(id));
      }
      Await.result(Future.all(batch), BOUND);
      for (Future<Optional<TaskStatus>> f : batch) {
        f.result().ifPresent(s -> out.merge(s.state(), 1, Integer::sum));
      }
    }
    return out;
  }

  private static long lost(TaskQueue q, List<String> ids) {
    long lost = 0;
    for (String id : ids) {
      if (Await.result(q.status(id), BOUND).isEmpty()) {
        lost++;
      }
    }
    return lost;
  }

  private static long applied(Connection db, String table) throws Exception {
    return count(db, "SELECT applied FROM " + table + "_total");
  }

  private static long count(Connection db, String sql) throws Exception {
    try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static void exec(Connection db, String sql) throws Exception {
    try (Statement s = db.createStatement()) {
      s.execute(sql);
    }
  }
}
