package dev.bulwark.tasks;

import static dev.bulwark.tasks.Queues.BOUND;
import static dev.bulwark.tasks.TaskQueueTest.awaitState;
import static dev.bulwark.tasks.TaskQueueTest.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.bulwark.core.testing.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A master watched by two Sentinels started by the test: tasks run through {@code redisSentinel}. */
class SentinelTest {

  @Test
  void tasksRunThroughSentinels() throws Exception {
    List<PrivateRedis> servers = new ArrayList<>();
    try (Queues queues = new Queues()) {
      PrivateRedis master = PrivateRedis.start(false);
      servers.add(master);
      List<String> sentinels = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        Path conf = Files.createTempDirectory("bulwark-sentinel").resolve("sentinel.conf");
        Files.writeString(conf, "sentinel monitor main 127.0.0.1 " + master.port + " 1\n"
            + "sentinel down-after-milliseconds main 5000\n");
        PrivateRedis sentinel = PrivateRedis.startSentinel(conf);
        servers.add(sentinel);
        sentinels.add(sentinel.url());
      }
      for (PrivateRedis s : servers.subList(1, servers.size())) {
        await().atMost(BOUND).until(() -> s.cli("SENTINEL", "SENTINELS", "main").contains("127.0.0.1"));
      }

      TaskQueue q = TaskQueue.create(queues.vertx, TaskQueueOptions.builder().name(Queues.uniqueName())
          .redisSentinel("main", sentinels).pollInterval(java.time.Duration.ofMillis(20)).build());
      q.register("echo", Map.class, (p, ctx) -> p.get("v"));
      Queues.start(q);
      String id = Await.result(q.submit("echo", Map.of("v", "through sentinel")), BOUND);
      awaitState(q, id, TaskState.SUCCEEDED);
      assertThat(status(q, id).result()).isEqualTo("through sentinel");
      Await.result(q.close(), BOUND);
    } finally {
      for (PrivateRedis s : servers) {
        s.close();
      }
    }
  }
}
