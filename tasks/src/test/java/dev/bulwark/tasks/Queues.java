package dev.bulwark.tasks;

import dev.bulwark.core.testing.Await;
import dev.bulwark.core.testing.LocalServers;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Creates queues for a test, each on a unique queue name (so tests sharing the Redis on 6379 never
 * see each other's keys), and closes them and deletes their keys afterwards. Not thread-safe: use
 * from the test thread.
 */
final class Queues implements AutoCloseable {

  static final Duration BOUND = Duration.ofSeconds(30);

  final Vertx vertx;
  private final List<TaskQueue> queues = new ArrayList<>();
  private final List<String> redisNames = new ArrayList<>();

  Queues() {
    this(Vertx.vertx());
  }

  /** Queues on {@code vertx}, which {@link #close()} closes. */
  Queues(Vertx vertx) {
    this.vertx = vertx;
  }

  /** A fresh queue name. */
  static String uniqueName() {
    return "t-" + UUID.randomUUID().toString().substring(0, 12);
  }

  /** Options for {@code store} with a unique name; Redis tests are skipped when it is absent. */
  TaskQueueOptions.Builder options(Store store, String name) {
    TaskQueueOptions.Builder b = TaskQueueOptions.builder().name(name)
        .pollInterval(Duration.ofMillis(20)).backoffBase(Duration.ofMillis(5))
        .backoffMax(Duration.ofMillis(20)).shutdownGrace(Duration.ofSeconds(5));
    if (store == Store.REDIS) {
      LocalServers.assumeRedis();
      b.redis(LocalServers.REDIS_URL);
      if (!redisNames.contains(name)) {
        redisNames.add(name);
      }
    }
    return b;
  }

  /** Creates (not starts) a queue with {@code customize} applied to the test defaults. */
  TaskQueue create(Store store, String name, Consumer<TaskQueueOptions.Builder> customize) {
    TaskQueueOptions.Builder b = options(store, name);
    customize.accept(b);
    TaskQueue q = TaskQueue.create(vertx, b.build());
    queues.add(q);
    return q;
  }

  TaskQueue create(Store store, Consumer<TaskQueueOptions.Builder> customize) {
    return create(store, uniqueName(), customize);
  }

  static void start(TaskQueue q) {
    Await.result(q.start(), BOUND);
  }

  @Override
  public void close() throws java.io.IOException {
    for (TaskQueue q : queues) {
      Await.result(q.close(), BOUND);
    }
    for (String name : redisNames) {
      deleteKeys(LocalServers.REDIS_PORT, name);
    }
    Await.result(vertx.close(), BOUND);
  }

  /**
   * Deletes every key of queue {@code name} on the Redis at {@code port}: {@code SCAN} (not
   * {@code KEYS}, which blocks a shared server for as long as it walks every key) and
   * {@code UNLINK}.
   */
  static void deleteKeys(int port, String name) throws java.io.IOException {
    Process scan = new ProcessBuilder("redis-cli", "-h", "127.0.0.1", "-p", String.valueOf(port),
        "--scan", "--pattern", "{bulwark:tasks:" + name + "}*").redirectErrorStream(true).start();
    String out = new String(scan.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (waitFor(scan) != 0) {
      throw new IllegalStateException("cannot list the keys of " + name + ": " + out);
    }
    List<String> keys = out.lines().filter(k -> !k.isBlank()).toList();
    for (int i = 0; i < keys.size(); i += 500) {
      List<String> cmd = new ArrayList<>(List.of("redis-cli", "-h", "127.0.0.1", "-p",
          String.valueOf(port), "UNLINK"));
      cmd.addAll(keys.subList(i, Math.min(keys.size(), i + 500)));
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String reply = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (waitFor(p) != 0) {
        throw new IllegalStateException("cannot delete the keys of " + name + ": " + reply);
      }
    }
  }

  /** Waits for a short-lived helper process; an interrupt is kept and reported as a failure. */
  static int waitFor(Process p) {
    try {
      return p.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for " + p.info().command().orElse("a process"), e);
    }
  }
}
