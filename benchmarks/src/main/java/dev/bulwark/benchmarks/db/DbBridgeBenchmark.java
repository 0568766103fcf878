package dev.bulwark.benchmarks.db;

import java.util.concurrent.TimeUnit;
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
 * Run: {@code java -jar benchmarks/target/benchmarks.jar DbBridge -f 1 -wi 3 -i 5}; its paired
 * form is {@link BridgePairBenchmark}. Higher is better; the ratio
 * {@code bridge / direct} is the price of the bridge. The setup and both sides' lookups are
 * {@link BridgeSides}'s.
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

  private BridgeSides sides;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    sides = new BridgeSides();
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    sides.close();
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void lookup() throws Exception {
    sides.batch(impl);
  }
}
