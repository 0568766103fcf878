package dev.bulwark.benchmarks.db;

import static dev.bulwark.benchmarks.db.DbBridgeBenchmark.BATCH;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link DbBridgeBenchmark}'s question, {@code bridge} ({@code Db.queryOne}) against
 * {@code direct} (HikariCP on a plain fixed executor), measured as a ratio of neighbours: each
 * invocation runs one batch of {@value DbBridgeBenchmark#BATCH} primary-key lookups on H2 in
 * memory (issued from an event loop, the result back on it) through each side, the order
 * alternating, and times each batch. The two see the same machine to within a millisecond, where
 * separate runs of them on a shared 2-core VM put the bridge at anywhere from 0.62 to 0.97 of
 * direct's throughput.
 *
 * <p>Secondary results per iteration: each side's time per lookup ({@code bridgeNs},
 * {@code directNs}) and the bridge's throughput relative to direct, direct's time over the
 * bridge's (above 1 when the bridge is faster): {@code ratioBridgeVsDirect}. Same database, pools,
 * SQL and ids as {@link DbBridgeBenchmark}'s impls of those names (both are {@link BridgeSides}).
 *
 * <p>Run: {@code benchmarks/load/jmh-pair.sh BridgePair}, or
 * {@code java -jar benchmarks/target/benchmarks.jar BridgePair -f 3 -wi 5 -i 10}. Goal (issue
 * 13): {@code ratioBridgeVsDirect} at least 0.8.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(3)
public class BridgePairBenchmark {

  private static final String[] SIDES = {"bridge", "direct"};

  private BridgeSides sides;
  private int first;

  /** Each side's time in one iteration, in the order bridge, direct. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class Times {
    final long[] nanos = new long[SIDES.length];
    long batches;

    @Setup(Level.Iteration)
    public void reset() {
      java.util.Arrays.fill(nanos, 0);
      batches = 0;
    }

    private double perLookup(int side) {
      return batches == 0 ? 0 : (double) nanos[side] / (batches * BATCH);
    }

    public double bridgeNs() {
      return perLookup(0);
    }

    public double directNs() {
      return perLookup(1);
    }

    /** Direct's time over the bridge's in this iteration: the bridge's relative throughput. */
    public double ratioBridgeVsDirect() {
      return nanos[0] == 0 ? 0 : (double) nanos[1] / nanos[0];
    }
  }

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    sides = new BridgeSides();
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    sides.close();
  }

  @Benchmark
  @OperationsPerInvocation(2 * BATCH)
  public void lookups(Times times) throws InterruptedException {
    first = (first + 1) % SIDES.length;
    for (int k = 0; k < SIDES.length; k++) {
      int side = (first + k) % SIDES.length;
      long start = System.nanoTime();
      sides.batch(SIDES[side]);
      times.nanos[side] += System.nanoTime() - start;
    }
    times.batches++;
  }
}
