package dev.bulwark.benchmarks.db;

import static dev.bulwark.benchmarks.db.DbBridgeBenchmark.BATCH;
import static dev.bulwark.benchmarks.db.DbBridgeBenchmark.POOL;
import static dev.bulwark.benchmarks.db.DbBridgeBenchmark.SQL;

import com.zaxxer.hikari.HikariDataSource;
import dev.bulwark.db.Db;
import dev.bulwark.db.DbOptions;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The two sides of {@link DbBridgeBenchmark}'s question, set up once and shared with
 * {@link BridgePairBenchmark}, so that both suites time the same lookups against the same
 * database: {@code bridge} ({@code db.queryOne}) and {@code direct} (the same
 * {@code HikariDataSource} from a plain fixed executor of {@value DbBridgeBenchmark#POOL} threads,
 * completing back with {@code context.runOnContext}).
 *
 * <p>Not thread-safe: one benchmark thread runs one batch at a time; the lookups themselves are
 * issued from, and complete on, one event-loop context.
 */
final class BridgeSides {

  private final Vertx vertx;
  private final Db db;
  private final HikariDataSource ds;
  private final ExecutorService executor;
  private final Context context;

  BridgeSides() throws Exception {
    vertx = Vertx.vertx();
    db = openDb(vertx);
    ds = db.unwrap(HikariDataSource.class);
    seed(ds);
    executor = Executors.newFixedThreadPool(POOL);
    context = vertx.getOrCreateContext();
  }

  /** A {@link Db} on a fresh H2 in-memory database, {@value DbBridgeBenchmark#POOL} connections. */
  private static Db openDb(Vertx vertx) {
    return Db.create(vertx, DbOptions.builder("jdbc:h2:mem:bridge" + System.nanoTime() + ";DB_CLOSE_DELAY=-1")
        .maximumPoolSize(POOL).maxWaiters(BATCH * 2)
        // A machine busy with other work can stall a lookup for a few hundred milliseconds; with
        // the default 1 s wait the bridge then sheds the rest of the batch, correctly, and the
        // run fails. This measures throughput, not shedding.
        .waitTimeout(Duration.ofSeconds(30)).build());
  }

  /** Creates the {@code items} table with rows 1 to 1000. */
  private static void seed(HikariDataSource ds) throws Exception {
    try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE items (id BIGINT PRIMARY KEY, name VARCHAR(100))");
      s.execute("INSERT INTO items SELECT X, CONCAT('Item ', X) FROM SYSTEM_RANGE(1, 1000)");
    }
  }

  void close() throws Exception {
    executor.shutdownNow();
    db.close().await();
    vertx.close().await();
  }

  /**
   * Issues {@value DbBridgeBenchmark#BATCH} lookups through {@code side} ({@code "bridge"} or
   * {@code "direct"}) from the event-loop context and waits for all of them.
   *
   * @throws IllegalStateException if a lookup failed or found no row, or the batch did not
   *     complete within 30 s
   */
  void batch(String side) throws InterruptedException {
    boolean bridge = switch (side) {
      case "bridge" -> true;
      case "direct" -> false;
      default -> throw new IllegalArgumentException("side must be bridge or direct, but was " + side);
    };
    CountDownLatch done = new CountDownLatch(BATCH);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    context.runOnContext(v -> {
      for (int i = 0; i < BATCH; i++) {
        long id = 1 + i * 7 % 1000;
        if (bridge) {
          bridge(id, done, failure);
        } else {
          direct(id, done, failure);
        }
      }
    });
    if (!done.await(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException(done.getCount() + " of " + BATCH + " " + side
          + " lookups did not complete within 30 s");
    }
    Throwable t = failure.get();
    if (t != null) {
      throw new IllegalStateException("a " + side + " lookup failed: " + t, t);
    }
  }

  private void bridge(long id, CountDownLatch done, AtomicReference<Throwable> failure) {
    db.queryOne(SQL, rs -> rs.getString(2), id).onComplete(ar -> {
      if (ar.failed() || ar.result().isEmpty()) {
        failure.compareAndSet(null, ar.failed() ? ar.cause() : new IllegalStateException("no row for id " + id));
      }
      done.countDown();
    });
  }

  private void direct(long id, CountDownLatch done, AtomicReference<Throwable> failure) {
    executor.execute(() -> {
      String name = null;
      Throwable error = null;
      try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(SQL)) {
        ps.setLong(1, id);
        try (ResultSet rs = ps.executeQuery()) {
          name = rs.next() ? rs.getString(2) : null;
        }
      } catch (Exception e) {
        error = e;
      }
      Throwable err = error;
      String result = name;
      context.runOnContext(x -> {
        if (err != null || result == null) {
          failure.compareAndSet(null, err != null ? err : new IllegalStateException("no row for id " + id));
        }
        done.countDown();
      });
    });
  }
}
