package dev.bulwark.benchmarks.db;

import dev.bulwark.db.BatchLoader;
import dev.bulwark.db.Db;
import dev.bulwark.db.DbOptions;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.sql.Connection;
import java.sql.Statement;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The N+1 question: loading the rows of 100 keys (a page of users' names) through a
 * {@link BatchLoader} (one {@code = ANY(?)} query) against one query per key, both through the
 * same {@link Db} on H2 in memory. On a networked database each avoided query also saves a round
 * trip, so this is the least the loader saves.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar BatchLoader -f 1 -wi 3 -i 5}. The score
 * is pages per second; higher is better.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class BatchLoaderBenchmark {

  static final int KEYS = 100;

  @Param({"batchLoader", "queryPerKey"})
  public String impl;

  private Vertx vertx;
  private Db db;
  private BatchLoader<Long, String> loader;
  private Context context;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    vertx = Vertx.vertx();
    db = Db.create(vertx, DbOptions.builder("jdbc:h2:mem:loader" + System.nanoTime() + ";DB_CLOSE_DELAY=-1")
        .maximumPoolSize(4).maxWaiters(KEYS * 2).build());
    try (Connection c = db.unwrap(com.zaxxer.hikari.HikariDataSource.class).getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE users (id BIGINT PRIMARY KEY, name VARCHAR(100))");
      s.execute("INSERT INTO users SELECT X, CONCAT('User ', X) FROM SYSTEM_RANGE(1, 1000)");
    }
    loader = BatchLoader.byKey(db, "SELECT id, name FROM users WHERE id = ANY(?)", "bigint",
        rs -> rs.getLong(1) + ":" + rs.getString(2), v -> Long.parseLong(v.substring(0, v.indexOf(':'))));
    context = vertx.getOrCreateContext();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    db.close().await();
    vertx.close().await();
  }

  @Benchmark
  public void page() throws Exception {
    CountDownLatch done = new CountDownLatch(KEYS);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    context.runOnContext(v -> {
      for (long id = 1; id <= KEYS; id++) {
        long key = id;
        if (impl.equals("batchLoader")) {
          loader.load(key).onComplete(ar -> {
            if (ar.failed() || ar.result().isEmpty()) {
              failure.compareAndSet(null, ar.failed() ? ar.cause() : new IllegalStateException("missing " + key));
            }
            done.countDown();
          });
        } else {
          db.queryOne("SELECT id, name FROM users WHERE id = ?", rs -> rs.getString(2), key).onComplete(ar -> {
            if (ar.failed() || ar.result().isEmpty()) {
              failure.compareAndSet(null, ar.failed() ? ar.cause() : new IllegalStateException("missing " + key));
            }
            done.countDown();
          });
        }
      }
    });
    if (!done.await(30, TimeUnit.SECONDS) || failure.get() != null) {
      throw new IllegalStateException("page failed", failure.get());
    }
  }
}
