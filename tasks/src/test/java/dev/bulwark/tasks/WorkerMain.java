package dev.bulwark.tasks;

import io.vertx.core.Vertx;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * A worker in a child JVM, for tests that kill it with {@code kill -9}. Arguments:
 * {@code redisUrl queueName consumerName visibilityMs mode [jdbcUrl table]}. Modes: {@code hang}
 * (type {@code hold}: prints {@code STARTED <id> <attempt>} and blocks), {@code ok} (type
 * {@code hold}: returns {@code "done"}), {@code insert} (type {@code insert}: inserts the task id
 * into {@code table} and counts the insert in {@code <table>_total} in one transaction, only when
 * the row was new; also logs each run in {@code <table>_runs}). Prints {@code READY} once started.
 */
public final class WorkerMain {

  private WorkerMain() {
  }

  record Insert(int n) {
  }

  public static void main(String[] args) throws Exception {
    String redis = args[0];
    String queue = args[1];
    String consumer = args[2];
    long visibilityMs = Long.parseLong(args[3]);
    String mode = args[4];
    Vertx vertx = Vertx.vertx();
    TaskQueue q = TaskQueue.create(vertx, TaskQueueOptions.builder().name(queue).redis(redis)
        .consumerName(consumer).visibilityTimeout(Duration.ofMillis(visibilityMs))
        .pollInterval(Duration.ofMillis(20)).concurrency(16).backoffBase(Duration.ofMillis(10))
        .backoffMax(Duration.ofMillis(100)).maxAttempts(20).redisTimeout(Duration.ofSeconds(2)).build());
    switch (mode) {
      case "hang" -> q.register("hold", Map.class, (p, ctx) -> {
        System.out.println("STARTED " + ctx.id() + " " + ctx.attempt());
        System.out.flush();
        new CountDownLatch(1).await();
        return null;
      });
      case "ok" -> q.register("hold", Map.class, (p, ctx) -> "done");
      case "insert" -> {
        String jdbc = args[5];
        String table = args[6];
        ThreadLocal<Connection> connections = ThreadLocal.withInitial(() -> {
          try {
            return DriverManager.getConnection(jdbc);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
        q.register("insert", Insert.class, (p, ctx) -> {
          Connection c = connections.get();
          try (PreparedStatement run = c.prepareStatement("INSERT INTO " + table + "_runs(task_id) VALUES (?)")) {
            run.setString(1, ctx.id());
            run.executeUpdate();
          }
          c.setAutoCommit(false);
          try (PreparedStatement effect = c.prepareStatement("WITH ins AS (INSERT INTO " + table
              + "(task_id, n) VALUES (?, ?) ON CONFLICT (task_id) DO NOTHING RETURNING 1) UPDATE "
              + table + "_total SET applied = applied + (SELECT count(*) FROM ins)")) {
            effect.setString(1, ctx.id());
            effect.setInt(2, p.n());
            effect.executeUpdate();
            c.commit();
          } catch (Exception e) {
            c.rollback();
            throw e;
          } finally {
            c.setAutoCommit(true);
          }
          return p.n();
        });
      }
      default -> throw new IllegalArgumentException("mode must be hang, ok or insert, but was " + mode);
    }
    q.start().toCompletionStage().toCompletableFuture().get();
    System.out.println("READY");
    System.out.flush();
  }
}
