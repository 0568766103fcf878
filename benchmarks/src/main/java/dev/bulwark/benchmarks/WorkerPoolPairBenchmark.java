package dev.bulwark.benchmarks;

import static dev.bulwark.benchmarks.WorkerPoolDispatchBenchmark.BATCH;
import static dev.bulwark.benchmarks.WorkerPoolDispatchBenchmark.POOL_SIZE;
import static dev.bulwark.benchmarks.WorkerPoolDispatchBenchmark.QUEUE_TIMEOUT;
import static dev.bulwark.benchmarks.WorkerPoolDispatchBenchmark.TASK;

import dev.bulwark.core.WorkerPool;
import dev.bulwark.core.ThreadKind;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
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
 * {@link WorkerPoolDispatchBenchmark}'s question, measured as ratios of neighbours: each invocation
 * runs one batch of {@value WorkerPoolDispatchBenchmark#BATCH} round trips (submitted from an event
 * loop, completed back on it) through each of {@code bulwark}, {@code threadPoolExecutor} and
 * {@code executeBlocking} in turn, the order rotating, and times each batch. The three see the same
 * machine to within a millisecond, where separate runs of them on a shared 2-core VM met speeds
 * 30% apart from one minute to the next (the executor alone: 1,680-2,198 ns of CPU per round trip).
 *
 * <p>Secondary results per iteration: each side's time per round trip ({@code bulwarkNs},
 * {@code threadPoolExecutorNs}, {@code executeBlockingNs}) and throughput ratios, the other's time
 * over bulwark's (above 1 when bulwark is faster): {@code ratioVsThreadPoolExecutor},
 * {@code ratioVsExecuteBlocking} and {@code ratioVsFaster} (against the faster of the two in that
 * iteration). Same pools, task and admission rules as {@link WorkerPoolDispatchBenchmark}'s impls
 * of those names.
 *
 * <p>Run: {@code benchmarks/load/jmh-pair.sh WorkerPoolPair}, or
 * {@code java -jar benchmarks/target/benchmarks.jar WorkerPoolPair -f 3 -wi 5 -i 10}. Goal (issue
 * 13): {@code ratioVsFaster} at least 1.0.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(3)
public class WorkerPoolPairBenchmark {

  private static final int SIDES = 3;

  private Vertx vertx;
  private Context context;
  private WorkerPool pool;
  private ThreadPoolExecutor executor;
  private Supplier<Future<Integer>>[] sides;
  private int first;
  private final AtomicReference<Throwable> failure = new AtomicReference<>();

  /** Each side's time in one iteration, in the order bulwark, executor, executeBlocking. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class Times {
    final long[] nanos = new long[SIDES];
    long batches;

    @Setup(Level.Iteration)
    public void reset() {
      java.util.Arrays.fill(nanos, 0);
      batches = 0;
    }

    private double perRoundTrip(int side) {
      return batches == 0 ? 0 : (double) nanos[side] / (batches * BATCH);
    }

    private double ratio(long other) {
      return nanos[0] == 0 ? 0 : (double) other / nanos[0];
    }

    public double bulwarkNs() {
      return perRoundTrip(0);
    }

    public double threadPoolExecutorNs() {
      return perRoundTrip(1);
    }

    public double executeBlockingNs() {
      return perRoundTrip(2);
    }

    public double ratioVsThreadPoolExecutor() {
      return ratio(nanos[1]);
    }

    public double ratioVsExecuteBlocking() {
      return ratio(nanos[2]);
    }

    public double ratioVsFaster() {
      return ratio(Math.min(nanos[1], nanos[2]));
    }
  }

  @Setup(Level.Trial)
  @SuppressWarnings("unchecked")
  public void setUp() {
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(POOL_SIZE));
    context = vertx.getOrCreateContext();
    pool = WorkerPool.builder().name("bench").maxConcurrency(POOL_SIZE).maxQueue(BATCH)
        .queueTimeout(QUEUE_TIMEOUT).shedEarly(false).threadKind(ThreadKind.PLATFORM).build();
    executor = WorkerPoolDispatchBenchmark.executor();
    sides = new Supplier[] {
        () -> pool.submit(TASK),
        () -> WorkerPoolDispatchBenchmark.viaExecutor(executor, false),
        () -> vertx.executeBlocking(TASK, false)};
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    pool.close(Duration.ofSeconds(5)).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    executor.shutdownNow();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Benchmark
  @OperationsPerInvocation(SIDES * BATCH)
  public void roundTrips(Times times) throws InterruptedException {
    first = (first + 1) % SIDES;
    for (int k = 0; k < SIDES; k++) {
      int side = (first + k) % SIDES;
      long start = System.nanoTime();
      batch(sides[side]);
      times.nanos[side] += System.nanoTime() - start;
    }
    times.batches++;
  }

  /** {@value WorkerPoolDispatchBenchmark#BATCH} round trips through {@code dispatch}, all awaited. */
  private void batch(Supplier<Future<Integer>> dispatch) throws InterruptedException {
    CountDownLatch done = new CountDownLatch(BATCH);
    context.runOnContext(v -> {
      for (int i = 0; i < BATCH; i++) {
        dispatch.get().onComplete(ar -> {
          if (ar.failed()) {
            failure.compareAndSet(null, ar.cause());
          } else if (Vertx.currentContext() != context) {
            failure.compareAndSet(null, new IllegalStateException("completed off the submitting context"));
          }
          done.countDown();
        });
      }
    });
    if (!done.await(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException(done.getCount() + " of " + BATCH + " round trips did not complete within 30 s");
    }
    Throwable t = failure.get();
    if (t != null) {
      throw new IllegalStateException("a round trip failed: " + t, t);
    }
  }
}
