package dev.bulwark.tasks;

import static dev.bulwark.tasks.Queues.BOUND;
import static dev.bulwark.tasks.TaskQueueTest.awaitState;
import static dev.bulwark.tasks.TaskQueueTest.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.bulwark.cache.Cache;
import dev.bulwark.cache.CacheHealth;
import dev.bulwark.cache.CacheManager;
import dev.bulwark.cache.CacheOptions;
import dev.bulwark.cache.CachePolicy;
import dev.bulwark.cache.CacheTier;
import dev.bulwark.cache.Codecs;
import dev.bulwark.core.RedisEndpoint;
import dev.bulwark.core.testing.Await;
import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A three-master Redis Cluster started by the test on free ports: a queue's keys share one hash
 * tag, so every script runs on one node, and tasks run end to end through {@code redisNodes};
 * then two cache managers given the same {@link RedisEndpoint} share cached values through it.
 */
class ClusterTest {

  record Add(int a, int b) {
  }

  @Test
  void tasksRunThroughRedisCluster() throws Exception {
    List<PrivateRedis> nodes = new ArrayList<>();
    try (Queues queues = new Queues()) {
      for (int i = 0; i < 3; i++) {
        nodes.add(PrivateRedis.start(false, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
            "--cluster-port", String.valueOf(PrivateRedis.freePort()), "--cluster-node-timeout", "2000"));
      }
      List<String> cmd = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
      nodes.forEach(n -> cmd.add("127.0.0.1:" + n.port));
      cmd.add("--cluster-yes");
      Process create = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(create.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(create.waitFor()).as(out).isZero();
      for (PrivateRedis n : nodes) {
        await().atMost(BOUND).until(() -> n.cli("CLUSTER", "INFO").contains("cluster_state:ok"));
      }

      List<String> urls = nodes.stream().map(PrivateRedis::url).toList();
      String name = Queues.uniqueName();
      TaskQueue q = TaskQueue.create(queues.vertx, TaskQueueOptions.builder().name(name).redisNodes(urls)
          .pollInterval(Duration.ofMillis(20)).maxAttempts(2).backoffBase(Duration.ofMillis(5))
          .backoffMax(Duration.ofMillis(10)).build());
      q.register("add", Add.class, (p, ctx) -> {
        if (p.a() < 0) {
          throw new IllegalArgumentException("negative");
        }
        return p.a() + p.b();
      });
      Queues.start(q);

      List<Future<String>> submitted = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        submitted.add(q.submit("add", new Add(i, 1)));
      }
      Await.result(Future.all(submitted), BOUND);
      for (int i = 0; i < 50; i++) {
        String id = submitted.get(i).result();
        awaitState(q, id, TaskState.SUCCEEDED);
        assertThat(status(q, id).result()).isEqualTo(i + 1);
      }
      String dead = Await.result(q.submit("add", new Add(-1, 0)), BOUND);
      awaitState(q, dead, TaskState.DEAD);
      assertThat(Await.result(q.deadLetters(5), BOUND)).extracting(TaskStatus::id).containsExactly(dead);
      String delayed = Await.result(q.submit("add", Map.of("a", 2, "b", 2),
          SubmitOptions.builder().delay(Duration.ofMillis(100)).build()), BOUND);
      awaitState(q, delayed, TaskState.SUCCEEDED);
      assertThat(Await.result(q.health(), BOUND).healthy()).isTrue();
      Await.result(q.close(), BOUND);

      cachedReadsThroughTheCluster(queues, RedisEndpoint.cluster(urls));
    } finally {
      for (PrivateRedis n : nodes) {
        n.close();
      }
    }
  }

  /**
   * Keys spread over the three masters (no hash tag): what one manager loaded, the other reads
   * from the Cluster without loading.
   */
  private static void cachedReadsThroughTheCluster(Queues queues, RedisEndpoint cluster) throws Exception {
    CacheManager a = CacheManager.create(queues.vertx, CacheOptions.builder().redis(cluster)
        .redisTimeout(Duration.ofSeconds(2)).build());
    CacheManager b = CacheManager.create(queues.vertx, CacheOptions.builder().redis(cluster)
        .redisTimeout(Duration.ofSeconds(2)).build());
    try {
      for (CacheManager m : List.of(a, b)) {
        await().atMost(BOUND).until(() -> m.health().status() == CacheHealth.Status.UP);
      }
      String name = "cluster-" + Queues.uniqueName();
      CachePolicy shared = CachePolicy.ttl(Duration.ofMinutes(1)).withTier(CacheTier.SHARED);
      Cache<byte[]> onA = a.cache(name, shared, Codecs.bytes());
      Cache<byte[]> onB = b.cache(name, shared, Codecs.bytes());
      AtomicInteger loads = new AtomicInteger();
      for (int i = 0; i < 30; i++) {
        byte[] value = ("value " + i).getBytes(StandardCharsets.UTF_8);
        byte[] loaded = Await.result(onA.get("key-" + i, () -> {
          loads.incrementAndGet();
          return Future.succeededFuture(value);
        }), BOUND);
        assertThat(loaded).isEqualTo(value);
      }
      for (int i = 0; i < 30; i++) {
        byte[] read = Await.result(onB.get("key-" + i, () -> {
          loads.incrementAndGet();
          return Future.succeededFuture(new byte[0]);
        }), BOUND);
        assertThat(new String(read, StandardCharsets.UTF_8)).isEqualTo("value " + i);
      }
      assertThat(loads).as("loads: only manager a's misses").hasValue(30);
    } finally {
      Await.result(a.close(), BOUND);
      Await.result(b.close(), BOUND);
    }
  }
}
