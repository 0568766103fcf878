package dev.bulwark.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A deterministic model of {@code benchmarks/load/adaptive.sh} run through a real pool: the
 * shop's default pool (8 slots, a queue of 16, a gradient limit between 1 and 8), one request
 * every 10 ms on a fake clock, through 5 s of warmup and three 10 s phases: healthy (20 ms each,
 * all in parallel), slow, and recovered (20 ms again). The slow dependency is either serial
 * (25 ms each on one FIFO lock: a tenth of the capacity, 2.5x overloaded, its latency growing with
 * the requests sent to it at once, as the script's default) or uniformly slower (200 ms however
 * few run, the script's {@code SLOW=sleep}).
 *
 * <p>Each request is a task that blocks until the model lets it finish. The model moves the ticker
 * to the next arrival or finish, then waits until the pool is at rest (every released task
 * delivered, every held slot's task entered) before the next event, so the pool's own threads run
 * the limit algorithm and every admission rule as in production, in an order that does not
 * depend on the machine. The latencies are the model's: no HTTP, no scheduling jitter, so the
 * healthy p99 is exactly the 20 ms run. The queue timeout is long so that the pool's real-time
 * deadline sweep never acts; no wait here comes near the scenario's 1 s.
 */
class AdaptiveScenarioTest {

  private static final long MS = 1_000_000L;
  private static final long ARRIVAL_EVERY = 10 * MS;
  private static final long HEALTHY_RUN = 20 * MS;
  private static final long WARMUP = 5_000 * MS;
  private static final long PHASE = 10_000 * MS;

  private enum Phase { WARMUP, HEALTHY, SLOW, RECOVERED }

  /** Figures of one phase; latencies in milliseconds from arrival to the answer. */
  record Figures(int admitted, int shed, double p99Admitted, double p99Shed, double maxShed,
      int lowestLimit, int lastLimit) {
  }

  private final FakeTicker ticker = new FakeTicker();
  private final long origin = ticker.read();
  private final ConcurrentLinkedQueue<Request> entered = new ConcurrentLinkedQueue<>();
  private final AtomicInteger enteredCount = new AtomicInteger();
  private final AtomicInteger returned = new AtomicInteger();
  private final AtomicInteger answered = new AtomicInteger();
  private final List<Request> all = new ArrayList<>();
  private int released;
  /** Some 20 ms runs take longer (a pause, a busy machine): the share and the longest factor. */
  private final Random jitter = new Random(42);
  private double slowShare;
  private double slowestFactor = 1;
  private WorkerPool pool;

  @AfterEach
  void release() {
    all.forEach(r -> r.gate.countDown());
    if (pool != null) {
      TestSupport.await(pool.close(Duration.ofSeconds(1)));
    }
  }

  private final class Request {
    final int id;
    final Phase phase;
    final long arrival;
    final CountDownLatch gate = new CountDownLatch(1);
    long finish;
    long answeredAt = -1;
    boolean admitted;

    Request(int id, Phase phase, long arrival) {
      this.id = id;
      this.phase = phase;
      this.arrival = arrival;
    }

    Integer call() throws InterruptedException {
      entered.add(this);
      enteredCount.incrementAndGet();
      if (!gate.await(TestSupport.WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException("request " + id + " never released");
      }
      returned.incrementAndGet();
      return id;
    }
  }

  private static Phase phaseAt(long t) {
    if (t < WARMUP) {
      return Phase.WARMUP;
    }
    if (t < WARMUP + PHASE) {
      return Phase.HEALTHY;
    }
    return t < WARMUP + 2 * PHASE ? Phase.SLOW : Phase.RECOVERED;
  }

  /** Runs the scenario; {@code serial} puts the slow phase on one lock of {@code slowRun} each. */
  private Map<Phase, Figures> run(boolean serial, long slowRun) {
    pool = WorkerPool.builder().name("scenario").maxConcurrency(8).maxQueue(16)
        .queueTimeout(Duration.ofMinutes(10)).ticker(ticker)
        .adaptiveLimit(AdaptiveLimit.gradient(1, 8)).build();
    Map<Phase, int[]> limits = new EnumMap<>(Phase.class); // lowest, last
    PriorityQueue<Request> running = new PriorityQueue<>(
        Comparator.comparingLong((Request r) -> r.finish).thenComparingInt(r -> r.id));
    long end = WARMUP + 3 * PHASE;
    long nextArrival = 0;
    long lockFree = 0;
    while (nextArrival < end || !running.isEmpty()) {
      long now;
      if (!running.isEmpty() && (nextArrival >= end || running.peek().finish <= nextArrival)) {
        Request done = running.poll();
        now = moveTo(done.finish);
        done.gate.countDown();
        released++;
      } else {
        now = moveTo(nextArrival);
        submit(new Request(all.size(), phaseAt(now), now));
        nextArrival += ARRIVAL_EVERY;
      }
      awaitRest();
      List<Request> started = new ArrayList<>();
      for (Request r; (r = entered.poll()) != null; ) {
        started.add(r);
      }
      started.sort(Comparator.comparingInt(r -> r.id)); // the lock is FIFO in arrival order
      for (Request r : started) {
        if (r.phase != Phase.SLOW) {
          r.finish = now + HEALTHY_RUN;
          if (jitter.nextDouble() < slowShare) {
            r.finish += (long) (HEALTHY_RUN * (slowestFactor - 1) * jitter.nextDouble());
          }
        } else if (serial) {
          lockFree = Math.max(now, lockFree) + slowRun;
          r.finish = lockFree;
        } else {
          r.finish = now + slowRun;
        }
        running.add(r);
      }
      int limit = pool.stats().limit();
      int[] seen = limits.computeIfAbsent(phaseAt(now), p -> new int[] {limit, limit});
      seen[0] = Math.min(seen[0], limit);
      seen[1] = limit;
    }
    Map<Phase, Figures> figures = new EnumMap<>(Phase.class);
    for (Phase p : List.of(Phase.HEALTHY, Phase.SLOW, Phase.RECOVERED)) {
      List<Long> ok = new ArrayList<>();
      List<Long> shed = new ArrayList<>();
      for (Request r : all) {
        if (r.phase == p) {
          (r.admitted ? ok : shed).add(r.answeredAt - r.arrival);
        }
      }
      figures.put(p, new Figures(ok.size(), shed.size(), percentile(ok, 0.99),
          percentile(shed, 0.99), percentile(shed, 1.0), limits.get(p)[0], limits.get(p)[1]));
    }
    return figures;
  }

  private void submit(Request r) {
    all.add(r);
    Future<Integer> f = pool.submit(r::call);
    f.onComplete(ar -> { // on the runner (or here, for a refusal), while the ticker stands still
      r.answeredAt = ticker.read() - origin;
      r.admitted = ar.succeeded();
      answered.incrementAndGet();
    });
  }

  private long moveTo(long t) {
    ticker.advance(Duration.ofNanos(origin + t - ticker.read()));
    return t;
  }

  /** Waits until every released task was answered and every held slot's task has entered. */
  private void awaitRest() {
    Awaitility.await().atMost(TestSupport.WAIT).pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofNanos(50_000)).until(() -> {
          int back = returned.get();
          PoolStats s = pool.stats();
          return back == released && s.completed() == back
              && s.active() == enteredCount.get() - back
              && answered.get() == back + s.rejected();
        });
  }

  /** Nearest-rank percentile in milliseconds; 0 for no samples. */
  private static double percentile(List<Long> nanos, double q) {
    if (nanos.isEmpty()) {
      return 0;
    }
    List<Long> sorted = new ArrayList<>(nanos);
    sorted.sort(null);
    return sorted.get((int) Math.ceil(q * sorted.size()) - 1) / (double) MS;
  }

  @Test
  void serialDependency_limitHoldsAtOne_admittedWithinTwiceItsLatency_restShedOnArrival() {
    long locked = 25 * MS;
    Map<Phase, Figures> f = run(true, locked);
    Figures healthy = f.get(Phase.HEALTHY);
    Figures slow = f.get(Phase.SLOW);
    Figures recovered = f.get(Phase.RECOVERED);

    assertThat(healthy.shed()).isZero();
    assertThat(healthy.lowestLimit()).isEqualTo(8);
    // Only one request at a time can use the lock without waiting: the limit falls to 1 and
    // stays there (a rare probe of 2, cut on its first slow task, not 2-3 most of the time) and
    // the queue stays empty, so an admitted request waits at most one other's run; the three
    // requests admitted before any slow completion (55-85 ms) are under the 1% the p99 leaves
    // out.
    assertThat(slow.lowestLimit()).isEqualTo(1);
    assertThat(slow.lastLimit()).isEqualTo(1);
    assertThat(slow.p99Admitted()).isLessThanOrEqualTo(2 * locked / (double) MS);
    assertThat(slow.admitted()).isGreaterThan(300); // 1,000 offered, 400 at most can be served
    // Every 503 is answered on arrival: nothing is queued and then refused.
    assertThat(slow.maxShed()).isZero();
    assertThat(recovered.p99Admitted()).isLessThanOrEqualTo(2 * healthy.p99Admitted());
    // 100/s of 20 ms keeps 2 in flight: the limit grows back to twice that.
    assertThat(recovered.lastLimit()).isGreaterThanOrEqualTo(4);
    assertThat(recovered.shed()).isLessThan(20);
  }

  @Test
  void uniformlySlowerDependency_limitFalls_shedsOnArrival_andRecovers() {
    Map<Phase, Figures> f = run(false, 200 * MS);
    Figures healthy = f.get(Phase.HEALTHY);
    Figures slow = f.get(Phase.SLOW);
    Figures recovered = f.get(Phase.RECOVERED);

    assertThat(slow.lowestLimit()).isEqualTo(1);
    // The four queued in the first 200 ms, before any task had finished slow, are refused at the
    // first slow completion; every later 503 is answered on arrival.
    assertThat(slow.p99Shed()).isZero();
    assertThat(slow.maxShed()).isLessThanOrEqualTo(200 - 80);
    assertThat(recovered.p99Admitted()).isLessThanOrEqualTo(2 * healthy.p99Admitted());
    assertThat(recovered.lastLimit()).isGreaterThanOrEqualTo(4);
  }

  @Test
  void jitteryHealthyRuns_shedNothing_andTheLockedPhaseStillHoldsAtOne() {
    // 2% of the 20 ms runs take up to 2.5x as long (the quiet machine's healthy p99 was 36 ms):
    // a slow task among the usual few in flight is no pile-up, so the limit does not fall for it.
    slowShare = 0.02;
    slowestFactor = 2.5;
    long locked = 25 * MS;
    Map<Phase, Figures> f = run(true, locked);

    assertThat(f.get(Phase.HEALTHY).shed()).isZero();
    assertThat(f.get(Phase.SLOW).lowestLimit()).isEqualTo(1);
    assertThat(f.get(Phase.SLOW).p99Admitted()).isLessThanOrEqualTo(2 * locked / (double) MS);
    assertThat(f.get(Phase.RECOVERED).lastLimit()).isGreaterThanOrEqualTo(4);
  }
}
