package dev.bulwark.benchmarks.db;

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
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What does Bulwark's async bridge cost over calling HikariCP directly on a worker thread? One
 * primary-key lookup on H2 in memory (so the database is as cheap as it gets and the bridge's
 * share is as large as it can be), issued from an event loop, with the result back on it.
 *
 * <ul>
 *   <li>{@code bridge}: {@code db.queryOne(sql, mapper, id)}: the bounded {@code WorkerPool}
 *       exactly as large as the pool, fail-fast checks, statement timeout, per-query timer;
 *   <li>{@code direct}: the same {@code HikariDataSource} ({@code db.unwrap}) used from a plain
 *       fixed executor of the same size, completing back with {@code context.runOnContext}.
 * </ul>
 *
 * <p>Each invocation issues {@value #BATCH} lookups from one event-loop context and waits for all.
 * Run: {@code java -jar benchmarks/target/benchmarks.jar DbBridge -f 1 -wi 3 -i 5}. Higher is
 * better; the ratio {@code bridge / direct} is the price of the bridge.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class DbBridgeBenchmark {

  static final int BATCH = 100;
  static final int POOL = 4;
  static final String SQL = "SELECT id, name FROM items WHERE id = ?";

  @Param({"bridge", "direct"})
  public String impl;

  private Vertx vertx;
  private Db db;
  private HikariDataSource ds;
  private ExecutorService executor;
  private Context context;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    vertx = Vertx.vertx();
    db = Db.create(vertx, DbOptions.builder("jdbc:h2:mem:bridge" + System.nanoTime() + ";DB_CLOSE_DELAY=-1")
        .maximumPoolSize(POOL).maxWaiters(BATCH * 2)
        // A machine busy with other work can stall a lookup for a few hundred milliseconds; with
        // the default 1 s wait the bridge then sheds the rest of the batch, correctly, and the
        // run fails. This measures throughput, not shedding.
        .waitTimeout(Duration.ofSeconds(30)).build());
    ds = db.unwrap(HikariDataSource.class);
    try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE items (id BIGINT PRIMARY KEY, name VARCHAR(100))");
      s.execute("INSERT INTO items SELECT X, CONCAT('Item ', X) FROM SYSTEM_RANGE(1, 1000)");
    }
    executor = Executors.newFixedThreadPool(POOL);
    context = vertx.getOrCreateContext();
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    executor.shutdownNow();
    db.close().await();
    vertx.close().await();
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void lookup() throws Exception {
    CountDownLatch done = new CountDownLatch(BATCH);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    context.runOnContext(v -> {
      for (int i = 0; i < BATCH; i++) {
        long id = 1 + i * 7 % 1000;
        if (impl.equals("bridge")) {
          db.queryOne(SQL, rs -> rs.getString(2), id).onComplete(ar -> {
            if (ar.failed() || ar.result().isEmpty()) {
              failure.compareAndSet(null, ar.failed() ? ar.cause() : new IllegalStateException("no row"));
            }
            done.countDown();
          });
        } else {
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
                failure.compareAndSet(null, err != null ? err : new IllegalStateException("no row"));
              }
              done.countDown();
            });
          });
        }
      }
    });
    if (!done.await(30, TimeUnit.SECONDS) || failure.get() != null) {
      throw new IllegalStateException("lookups failed", failure.get());
    }
  }
}
