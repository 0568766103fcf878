package dev.bulwark.tasks.impl;

import dev.bulwark.core.internal.RedissonServers;
import dev.bulwark.tasks.QueueFullException;
import dev.bulwark.tasks.TaskQueueOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxException;
import io.vertx.core.json.JsonArray;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.redisson.Redisson;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Redis store: a stream with one consumer group ({@code workers}) per queue, a hash per task,
 * sorted sets for delayed and dead tasks, every change made by one of the {@link Scripts}. All
 * keys of a queue share the hash tag {@code {bulwark:tasks:<name>}}, so they live in one Cluster
 * slot and a script may touch them together. Submits and outcomes are grouped while a group is in
 * flight ({@link ScriptBatch}). Thread-safe; Redisson completes the futures on its own threads.
 */
final class RedisBackend implements Backend {

  private static final Logger LOG = LoggerFactory.getLogger(RedisBackend.class);
  static final String GROUP = "workers";
  /** The most submits or outcomes one script call carries (bounds a script's run time). */
  private static final int MAX_GROUP = 100;

  private final Vertx vertx;
  private final TaskQueueOptions options;
  private final String prefix;
  private final List<Object> keys;
  private final String consumer;
  private final long resultTtlMs;
  private final long deadTtlMs;
  private final long visibilityMs;
  private final ScriptBatch submits;
  private final ScriptBatch finishes;
  private final AtomicBoolean recreating = new AtomicBoolean();
  private volatile String reclaimCursor = "0-0";
  private volatile RedissonClient redisson;
  private volatile RScript script;

  RedisBackend(Vertx vertx, TaskQueueOptions options) {
    this.vertx = vertx;
    this.options = options;
    this.prefix = prefix(options.name());
    this.keys = List.of(prefix + ":stream", prefix + ":delayed", prefix + ":dead");
    this.consumer = options.consumerName();
    this.resultTtlMs = options.resultTtl().toMillis();
    this.deadTtlMs = options.deadLetterTtl().toMillis();
    this.visibilityMs = options.visibilityTimeout().toMillis();
    this.submits = new ScriptBatch(MAX_GROUP, args -> eval(Scripts.SUBMIT, RScript.ReturnType.MULTI,
        withGroup(args)));
    this.finishes = new ScriptBatch(MAX_GROUP, args -> eval(Scripts.FINISH, RScript.ReturnType.MULTI,
        withGroup(args)));
  }

  private static Object[] withGroup(Object[] args) {
    Object[] out = new Object[args.length + 1];
    out[0] = GROUP;
    System.arraycopy(args, 0, out, 1, args.length);
    return out;
  }

  /** The key prefix (a Cluster hash tag) of the queue {@code name}. */
  static String prefix(String name) {
    return "{bulwark:tasks:" + name + "}";
  }

  @Override
  public String kind() {
    return "redis";
  }

  @Override
  public Future<Void> start() {
    // Redisson connects in create(), blocking; do it on a worker thread.
    return vertx.<Void>executeBlocking(() -> {
      redisson = Redisson.create(config(options));
      script = redisson.getScript(StringCodec.INSTANCE);
      return null;
    }).compose(v -> eval(Scripts.CREATE_GROUP, RScript.ReturnType.INTEGER, GROUP)).mapEmpty();
  }

  private static Config config(TaskQueueOptions o) {
    Config config = new Config();
    config.setCodec(StringCodec.INSTANCE);
    config.setUseScriptCache(true);
    // Every argument is a string: skip Redisson's per-argument check for object references.
    config.setReferenceEnabled(false);
    config.setNettyThreads(4);
    config.setThreads(2);
    int timeout = (int) Math.min(Integer.MAX_VALUE, o.redisTimeout().toMillis());
    // A cold JVM on a busy machine may need more than a short command deadline to open a socket.
    int connect = Math.max(timeout, 5_000);
    RedissonServers.use(config, o.redisEndpoint(), timeout, connect, 16, 2);
    return config;
  }

  @Override
  public Future<String> submit(NewTask t) {
    return submits.call(pack(t.id(), t.type(), t.payload(), t.maxAttempts(), t.timeLimitMs(),
        t.nowMs(), t.dueMs(), t.idempotencyKey() == null ? "" : t.idempotencyKey(), options.maxQueued(),
        t.traceparent() == null ? "" : t.traceparent()))
        .compose(reply -> {
          String r = str(reply);
          String value = r.substring(r.indexOf(':') + 1);
          if (r.startsWith("-")) {
            return Future.failedFuture(new QueueFullException(options.name(),
                Long.parseLong(value), options.maxQueued(), Duration.ofSeconds(1)));
          }
          return Future.succeededFuture(value);
        });
  }

  @Override
  public Future<Map<String, String>> get(String id, long nowMs) {
    return this.<List<Object>>eval("return redis.call('HGETALL', ARGV[1] .. ':task:' .. ARGV[3])",
        RScript.ReturnType.MULTI, GROUP, id)
        .map(flat -> flat.isEmpty() ? null : fields(flat));
  }

  @Override
  public Future<Integer> cancel(String id, long nowMs) {
    return this.<Long>eval(Scripts.CANCEL, RScript.ReturnType.INTEGER, GROUP, id, nowMs, resultTtlMs)
        .map(Long::intValue);
  }

  @Override
  public Future<List<Claimed>> claim(int max, boolean replayOwn, long nowMs) {
    return this.<List<Object>>eval(Scripts.CLAIM, RScript.ReturnType.MULTI, GROUP, consumer, nowMs,
        max, replayOwn ? "0" : ">").map(RedisBackend::claimed);
  }

  @Override
  public Future<List<Claimed>> reclaim(int max, long nowMs) {
    // XAUTOCLAIM scans at most ten times COUNT pending entries per call: resume where the last
    // call stopped, so an idle entry deep in a long pending list is found within a few passes.
    return this.<List<Object>>eval(Scripts.RECLAIM, RScript.ReturnType.MULTI, GROUP, consumer, nowMs,
        max, visibilityMs, reclaimCursor).map(reply -> {
          reclaimCursor = str(reply.get(0));
          return claimed(reply.subList(1, reply.size()));
        });
  }

  @Override
  public Future<List<Integer>> heartbeat(List<Claimed> tasks, long nowMs) {
    Object[] args = new Object[2 + tasks.size() * 3];
    args[0] = GROUP;
    args[1] = consumer;
    int i = 2;
    for (Claimed c : tasks) {
      args[i++] = c.id();
      args[i++] = c.lease();
      args[i++] = c.ref();
    }
    return this.<List<Object>>eval(Scripts.HEARTBEAT, RScript.ReturnType.MULTI, args).map(l -> {
      List<Integer> out = new ArrayList<>(l.size());
      for (Object o : l) {
        out.add(((Long) o).intValue());
      }
      return out;
    });
  }

  @Override
  public Future<Boolean> succeed(Claimed c, String resultJson, long nowMs) {
    return finish(c, "succeeded", nowMs, resultTtlMs, resultJson, 0);
  }

  @Override
  public Future<Boolean> fail(Claimed c, String error, long retryAtMs, long nowMs) {
    return retryAtMs >= 0 ? finish(c, "failed", nowMs, resultTtlMs, error, retryAtMs)
        : finish(c, "dead", nowMs, deadTtlMs, error, 0);
  }

  @Override
  public Future<Boolean> cancelled(Claimed c, long nowMs) {
    return finish(c, "cancelled", nowMs, resultTtlMs, "cancelled", 0);
  }

  @Override
  public Future<Boolean> release(Claimed c, long nowMs) {
    return finish(c, "release", nowMs, resultTtlMs, "", 0);
  }

  private Future<Boolean> finish(Claimed c, String outcome, long nowMs, long ttlMs, String value,
      long retryAt) {
    return finishes.call(pack(c.id(), c.lease(), c.ref(), outcome, nowMs, ttlMs, value, retryAt))
        .map(n -> ((Long) n) == 1L);
  }

  @Override
  public Future<Void> progress(Claimed c, double fraction, String message) {
    return eval(Scripts.PROGRESS, RScript.ReturnType.INTEGER, GROUP, c.id(), c.lease(),
        Double.toString(fraction), message == null ? "" : message).mapEmpty();
  }

  @Override
  public Future<List<Map<String, String>>> deadLetters(int limit, long nowMs) {
    return this.<List<Object>>eval(Scripts.DEAD_LETTERS, RScript.ReturnType.MULTI, GROUP, limit, nowMs,
        deadTtlMs).map(rows -> {
          List<Map<String, String>> out = new ArrayList<>(rows.size());
          for (Object row : rows) {
            out.add(fields(asList(row)));
          }
          return out;
        });
  }

  @Override
  public Future<Boolean> retryDead(String id, long nowMs) {
    return this.<Long>eval(Scripts.DEAD_ACTION, RScript.ReturnType.INTEGER, GROUP, id, nowMs, "retry")
        .map(n -> n == 1L);
  }

  @Override
  public Future<Boolean> discardDead(String id) {
    return this.<Long>eval(Scripts.DEAD_ACTION, RScript.ReturnType.INTEGER, GROUP, id, 0, "discard")
        .map(n -> n == 1L);
  }

  @Override
  public Future<long[]> stats(long nowMs) {
    return this.<List<Object>>eval(Scripts.STATS, RScript.ReturnType.MULTI, GROUP, nowMs)
        .map(l -> new long[] {(Long) l.get(0), (Long) l.get(1)});
  }

  /**
   * Subscribes to {@code <prefix>:ready}, on which the scripts that make tasks ready publish.
   * Redisson resubscribes after a reconnect; messages sent meanwhile are lost, which the poll
   * interval covers.
   */
  @Override
  public Future<Void> listen(Runnable wake) {
    RedissonClient r = redisson;
    if (r == null) {
      return Future.failedFuture(new VertxException("task queue '" + options.name()
          + "' is not started", true));
    }
    Promise<Void> p = Promise.promise();
    r.getTopic(prefix + ":ready", StringCodec.INSTANCE)
        .addListenerAsync(String.class, (channel, message) -> wake.run())
        .whenComplete((id, e) -> {
          if (e == null) {
            p.complete();
          } else {
            p.fail(new VertxException("redis: " + brief(e), e, true));
          }
        });
    return p.future();
  }

  @Override
  public Future<Void> ping() {
    return eval("return 1", RScript.ReturnType.INTEGER).mapEmpty();
  }

  @Override
  public Future<Void> close() {
    RedissonClient r = redisson;
    if (r == null) {
      return Future.succeededFuture();
    }
    return vertx.executeBlocking(() -> {
      r.shutdown();
      return null;
    });
  }

  /**
   * One script argument for one task: its values as a JSON array of strings (the script decodes
   * it with {@code cjson}). The client's cost per argument (a buffer, an encoding pass, a check
   * for object references) dominated a batch of nine or eight arguments per task.
   */
  private static String pack(Object... values) {
    JsonArray a = new JsonArray(new ArrayList<>(values.length));
    for (Object v : values) {
      a.add(String.valueOf(v));
    }
    return a.encode();
  }

  /** Runs a script with the queue's keys and {@code prefix} prepended to {@code args}. */
  private <T> Future<T> eval(String lua, RScript.ReturnType type, Object... args) {
    RScript s = script;
    if (s == null) {
      return Future.failedFuture(new VertxException("task queue '" + options.name()
          + "' is not started", true));
    }
    Object[] values = new Object[args.length + 1];
    values[0] = prefix;
    for (int i = 0; i < args.length; i++) {
      values[i + 1] = String.valueOf(args[i]);
    }
    Promise<T> p = Promise.promise();
    try {
      s.<T>evalAsync((String) keys.get(0), RScript.Mode.READ_WRITE, lua, type, keys, values)
          .whenComplete((v, e) -> {
            if (e == null) {
              p.complete(v);
            } else {
              if (String.valueOf(e.getMessage()).contains("NOGROUP")) {
                recreateGroup();
              }
              p.fail(new VertxException("redis: " + brief(e), e, true));
            }
          });
    } catch (RuntimeException e) {
      p.fail(new VertxException("redis: " + brief(e), e, true));
    }
    return p.future();
  }

  /** Redisson's message without the script text it appends, at most 300 characters. */
  private static String brief(Throwable e) {
    String m = String.valueOf(e.getMessage());
    int cut = m.indexOf(", command:");
    if (cut > 0) {
      m = m.substring(0, cut);
    }
    return m.length() <= 300 ? m : m.substring(0, 300) + "...";
  }

  /**
   * The stream or its group vanished (a Redis restarted without persistence, a flush): create
   * them again, once at a time, so that the next poll works. Tasks that were in Redis are gone
   * with it; this only lets the queue go on.
   */
  private void recreateGroup() {
    if (recreating.compareAndSet(false, true)) {
      LOG.warn("task queue '{}': the consumer group is missing in Redis (restarted without"
          + " persistence or flushed?); creating it again", options.name());
      this.<Long>eval(Scripts.CREATE_GROUP, RScript.ReturnType.INTEGER, GROUP)
          .onComplete(ar -> recreating.set(false));
    }
  }

  private static List<Claimed> claimed(List<Object> rows) {
    List<Claimed> out = new ArrayList<>(rows.size());
    for (Object row : rows) {
      JsonArray r = new JsonArray(str(row));
      String idem = r.getString(8);
      String traceparent = r.size() > 12 ? r.getString(12) : "";
      out.add(new Claimed(r.getString(0), r.getString(1), r.getString(2), (int) num(r.getString(3)),
          (int) num(r.getString(4)), num(r.getString(5)), num(r.getString(6)), num(r.getString(7)),
          idem.isEmpty() ? null : idem, r.getString(9), r.getString(10), "1".equals(r.getString(11)),
          traceparent.isEmpty() ? null : traceparent));
    }
    return out;
  }

  private static Map<String, String> fields(List<Object> flat) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i + 1 < flat.size(); i += 2) {
      m.put(str(flat.get(i)), str(flat.get(i + 1)));
    }
    return m;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> asList(Object o) {
    return (List<Object>) o;
  }

  private static String str(Object o) {
    return o == null ? "" : o.toString();
  }

  private static long num(Object o) {
    if (o instanceof Number n) {
      return n.longValue();
    }
    String s = str(o);
    return s.isEmpty() ? 0 : Long.parseLong(s);
  }
}
