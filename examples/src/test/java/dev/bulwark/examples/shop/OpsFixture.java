package dev.bulwark.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.bulwark.tasks.SubmitOptions;
import dev.bulwark.tasks.TaskQueue;
import dev.bulwark.tasks.TaskState;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the ops tests share: a shop with the ops page, and dead tasks made through the queue API.
 * A dead task comes from a task type only the tests register, {@value #FLAKY_TYPE}, submitted with
 * {@code maxAttempts(1)}: its handler fails the first run of each task and succeeds on the next,
 * so a retry from the page succeeds. The shop itself registers nothing for the tests.
 */
final class OpsFixture {

  static final String FLAKY_TYPE = "ops-test-flaky";

  /** The payload of a flaky task. */
  record Flaky(String note) {
  }

  private OpsFixture() {
  }

  /** A shop on {@code host}, on the embedded defaults, with the ops page on or off. */
  static Shop start(String h2Name, String host, boolean ops, String token) throws Exception {
    return start(h2Name, host, null, ops, token);
  }

  /**
   * A shop on {@code host} with the ops page on or off and the flaky task type registered.
   *
   * @param redis a Redis URL for the cache (with {@link Servers#REDIS_TIMEOUT}) and the task
   *     queue, or null for local ones
   */
  static Shop start(String h2Name, String host, String redis, boolean ops, String token) throws Exception {
    ShopConfig config = new ShopConfig(host, 0, 4, 8, Duration.ofSeconds(1), 1,
        Duration.ofSeconds(5), "jdbc:h2:mem:" + h2Name + ";DB_CLOSE_DELAY=-1", 4, redis,
        ShopConfig.Role.ALL, 2, 100).withOps(ops, token).withRedisTimeout(Servers.REDIS_TIMEOUT);
    Shop shop = Shop.start(config).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
    shop.tasks().register(FLAKY_TYPE, Flaky.class, (payload, ctx) -> {
      if (runs.computeIfAbsent(ctx.id(), id -> new AtomicInteger()).getAndIncrement() == 0) {
        throw new IllegalStateException("first run of " + payload.note() + " fails on purpose");
      }
      return Map.of("note", payload.note());
    });
    return shop;
  }

  /** Submits a flaky task with one attempt and returns its id once it is dead. */
  static String deadTask(Shop shop, String note) throws Exception {
    TaskQueue tasks = shop.tasks();
    String id = tasks.submit(FLAKY_TYPE, new Flaky(note), SubmitOptions.builder().maxAttempts(1).build())
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(30)).until(() -> tasks.status(id)
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS)
        .map(s -> s.state() == TaskState.DEAD).orElse(false));
    return id;
  }

  /** The shop's one task queue in a state answer. */
  static JsonObject queue(JsonObject state) {
    JsonArray queues = state.getJsonArray("taskQueues");
    assertThat(queues).hasSize(1);
    return queues.getJsonObject(0);
  }

  /** The dead task {@code id} in a state answer, or null. */
  static JsonObject deadTask(JsonObject state, String id) {
    for (Object o : queue(state).getJsonArray("deadTasks")) {
      JsonObject t = (JsonObject) o;
      if (t.getString("id").equals(id)) {
        return t;
      }
    }
    return null;
  }

  /** An IPv4 address of this machine that is not loopback, or null when it has none. */
  static InetAddress nonLoopbackAddress() throws SocketException {
    for (NetworkInterface n : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (!n.isUp() || n.isLoopback()) {
        continue;
      }
      for (InetAddress a : Collections.list(n.getInetAddresses())) {
        if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
          return a;
        }
      }
    }
    return null;
  }
}
