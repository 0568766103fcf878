package dev.bulwark.benchmarks;

import dev.bulwark.core.ThreadKind;
import dev.bulwark.core.WorkerPool;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * What does it cost to hand a tiny blocking task from an event loop to a pool of 8 threads and
 * get its result back on that event loop, with Bulwark's {@link WorkerPool} compared with what it
 * wraps?
 *
 * <ul>
 *   <li>{@code bulwark}: {@code WorkerPool.submit(callable)} (8 threads, a queue large enough to
 *       admit the whole batch), the future completing on the submitting context;
 *   <li>{@code executeBlocking}: Vert.x 5 {@code vertx.executeBlocking(callable, false)} on a
 *       Vert.x worker pool of 8 threads;
 *   <li>{@code threadPoolExecutor}: a plain fixed {@link ThreadPoolExecutor} of 8 threads that
 *       completes a promise back with {@code context.runOnContext};
 *   <li>{@code threadPoolExecutorDeadline}: {@code threadPoolExecutor} keeping the one admission
 *       rule that needs a clock, the queue deadline, the way {@code bulwark} keeps it: the clock
 *       read at submit and when a worker takes the task, and a task that waited past
 *       {@link #QUEUE_TIMEOUT} failed instead of run. The raw executor with the same clock work:
 *       what a bounded pool with deadlines costs at the least;
 *   <li>{@code bulwarkVirtual} (not run by default; Java 21+, {@code -p impl=bulwarkVirtual}):
 *       {@code bulwark} with {@code ThreadKind.VIRTUAL}, a virtual thread per runner, the same
 *       limit of 8.
 * </ul>
 *
 * <p>Each invocation submits a batch of {@value #BATCH} tasks from inside one event-loop context
 * and waits for all of them to complete back on that context, so the score is round trips per
 * second (dispatch, run, hop back, complete), not the cost of the benchmark thread. Every
 * completion is checked: a failed task fails the benchmark, and a completion that does not arrive
 * on the submitting context is counted and reported at the end of each trial as a broken
 * contract (its score then omits the hop back and is not comparable).
 *
 * <p>What {@code bulwark} does per queued task that {@code threadPoolExecutor} does not: two
 * {@link System#nanoTime()} reads (at submit for the task's deadline, and when a runner takes it,
 * which also times the run for shedding), 25-90 ns each on a virtual machine, and compare-and-set
 * on the slot and queue counts that the event loop and the runners both write. The clock reads
 * are the price of the queue deadline, an admission rule a plain executor does not keep, so
 * {@code bulwark / threadPoolExecutorDeadline} is the pool's own overhead and
 * {@code bulwark / threadPoolExecutor} the whole price of admission control.
 *
 * <p>Run (after {@code mvn -q package -DskipTests} from the project root):
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar WorkerPoolDispatch -f 1 -wi 3 -i 5
 * </pre>
 * Higher is better. The ratio {@code bulwark / executeBlocking} is the price of admission control
 * (compare-and-set admission, a bounded queue with deadlines, the run-time mean for shedding)
 * over Vert.x's own worker dispatch; {@code threadPoolExecutor} is a hand-rolled hop. On a
 * shared machine use several forks ({@code -f 3}) and compare rows of the same run, or better
 * {@code IMPLS="bulwark threadPoolExecutorDeadline threadPoolExecutor executeBlocking"
 * benchmarks/load/jmh-interleave.sh WorkerPoolDispatch} and its CPU time per round trip. Best of
 * all, {@link WorkerPoolPairBenchmark} times {@code bulwark}, {@code threadPoolExecutor} and
 * {@code executeBlocking} batch by batch in one run and reports their ratios per iteration.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class WorkerPoolDispatchBenchmark {

  /** Tasks in flight per invocation. */
  static final int BATCH = 100;
  /** Threads of each pool. */
  static final int POOL_SIZE = 8;
  /** CPU work of one task, in {@link Blackhole#consumeCPU} tokens (well under a microsecond). */
  static final long TASK_TOKENS = 16;

  static final Callable<Integer> TASK = () -> {
    Blackhole.consumeCPU(TASK_TOKENS);
    return 1;
  };

  /** The queue timeout of {@code bulwark} and {@code threadPoolExecutorDeadline}. */
  static final Duration QUEUE_TIMEOUT = Duration.ofSeconds(10);

  @Param({"bulwark", "executeBlocking", "threadPoolExecutor", "threadPoolExecutorDeadline"})
  public String impl;

  private Vertx vertx;
  private Context context;
  private Dispatcher dispatcher;
  private WorkerPool pool;
  private ThreadPoolExecutor executor;
  private final AtomicLong offContext = new AtomicLong();
  private final AtomicLong completions = new AtomicLong();
  private final AtomicReference<Throwable> failure = new AtomicReference<>();

  /** Submits one task from the event loop; the returned future completes on the same context. */
  interface Dispatcher {
    Future<Integer> dispatch();
  }

  @Setup(Level.Trial)
  public void setUp() {
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(POOL_SIZE));
    context = vertx.getOrCreateContext();
    switch (impl) {
      case "bulwark":
      case "bulwarkVirtual":
        pool = WorkerPool.builder().name("bench").maxConcurrency(POOL_SIZE).maxQueue(BATCH)
            .queueTimeout(QUEUE_TIMEOUT).shedEarly(false)
            .threadKind(impl.equals("bulwark") ? ThreadKind.PLATFORM : ThreadKind.VIRTUAL)
            .build();
        dispatcher = () -> pool.submit(TASK);
        break;
      case "executeBlocking":
        dispatcher = () -> vertx.executeBlocking(TASK, false);
        break;
      case "threadPoolExecutor":
      case "threadPoolExecutorDeadline":
        executor = executor();
        boolean deadline = impl.equals("threadPoolExecutorDeadline");
        dispatcher = () -> viaExecutor(executor, deadline);
        break;
      default:
        throw new IllegalArgumentException(
            "impl must be bulwark, bulwarkVirtual, executeBlocking, threadPoolExecutor or"
                + " threadPoolExecutorDeadline, but was "
                + impl);
    }
  }

  /** A fixed executor of {@link #POOL_SIZE} daemon threads, all started. */
  static ThreadPoolExecutor executor() {
    AtomicInteger seq = new AtomicInteger();
    ThreadPoolExecutor executor = new ThreadPoolExecutor(POOL_SIZE, POOL_SIZE, 60, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), r -> {
          Thread t = new Thread(r, "tpe-bench-" + seq.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    executor.prestartAllCoreThreads();
    return executor;
  }

  /**
   * Through {@code executor}, completed back on the calling context; with {@code deadline}, the
   * queue deadline kept as bulwark keeps it.
   */
  static Future<Integer> viaExecutor(ThreadPoolExecutor executor, boolean deadline) {
    Context ctx = Vertx.currentContext();
    Promise<Integer> promise = Promise.promise();
    long submitted = deadline ? System.nanoTime() : 0L;
    executor.execute(() -> {
      if (deadline && System.nanoTime() - submitted > QUEUE_TIMEOUT.toNanos()) {
        ctx.runOnContext(v -> promise.fail("waited past the queue timeout"));
        return;
      }
      try {
        Integer result = TASK.call();
        ctx.runOnContext(v -> promise.complete(result));
      } catch (Exception e) {
        ctx.runOnContext(v -> promise.fail(e));
      }
    });
    return promise.future();
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    long off = offContext.get();
    if (off > 0) {
      System.err.printf("%nWARNING: impl=%s completed %d of %d tasks off the submitting event-loop"
          + " context; its score omits the hop back and is not comparable.%n",
          impl, off, completions.get());
    }
    if (pool != null) {
      pool.close(Duration.ofSeconds(5)).toCompletionStage().toCompletableFuture()
          .get(10, TimeUnit.SECONDS);
    }
    if (executor != null) {
      executor.shutdownNow();
    }
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void roundTrip() throws InterruptedException {
    CountDownLatch done = new CountDownLatch(BATCH);
    context.runOnContext(v -> {
      for (int i = 0; i < BATCH; i++) {
        dispatcher.dispatch().onComplete(ar -> completed(ar, done));
      }
    });
    if (!done.await(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException(impl + ": " + done.getCount() + " of " + BATCH
          + " tasks did not complete within 30 s");
    }
    Throwable t = failure.get();
    if (t != null) {
      throw new IllegalStateException(impl + ": a task failed: " + t, t);
    }
  }

  private void completed(AsyncResult<Integer> ar, CountDownLatch done) {
    if (Vertx.currentContext() != context || !Context.isOnEventLoopThread()) {
      offContext.incrementAndGet();
    }
    completions.incrementAndGet();
    if (ar.failed()) {
      failure.compareAndSet(null, ar.cause());
    }
    done.countDown();
  }
}
