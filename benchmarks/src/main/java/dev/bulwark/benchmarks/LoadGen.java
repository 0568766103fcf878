package dev.bulwark.benchmarks;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * An open-loop, fixed-rate HTTP load generator for loopback targets, for the overload scenario
 * (wrk keeps a fixed number of connections busy, so it slows down with the server and never
 * offers more than the server accepts).
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.bulwark.benchmarks.LoadGen \
 *     --url http://127.0.0.1:18082/blocking?ms=100 --rate 160 --duration 30s [--warmup 5s] \
 *     [--connections 512] [--timeout 10s] [--event-loops 1] [--then URL ...]
 * </pre>
 *
 * <p>Each {@code --then URL} adds a phase: the same schedule goes on against that URL for
 * another {@code --duration}, in the same JVM and client, and each phase gets its own report and
 * {@code RESULT} line (with {@code phase=N start_ms=.. end_ms=..}, epoch milliseconds). A scenario
 * whose phases ran as separate generators would start each phase with a cold JVM and no
 * connections, whose first requests are late by tens to hundreds of milliseconds (JIT, class
 * loading, connecting) and whose lateness counts as latency.
 *
 * <p>Implementation note. Request {@code i} is scheduled at {@code start + i / rate}; one
 * scheduler thread parks until that time and hands the request to a client event loop, and its
 * latency is measured from the <em>scheduled</em> time to the end of the response body, so a
 * stalled server or a late generator shows up as latency instead of as fewer requests
 * (no coordinated omission). Requests scheduled during the warmup are sent but not counted. Each
 * request lives on one event-loop context (request, timer and outcome), so its state needs no
 * lock; a timer resets it after {@code --timeout}. The client pool allows {@code --connections}
 * connections and an unbounded wait queue, so the client never throttles the offered rate
 * unless the server stops accepting connections, which then shows up as timeouts.
 *
 * <p>Prints a summary and one machine-readable line
 * {@code RESULT status200=.. status503=.. other=.. errors=.. p99_200_ms=.. p99_503_ms=.. retryAfter503=.. ...}
 * and exits 0; bad arguments print one line and exit 2. Only loopback URLs are accepted.
 */
public final class LoadGen {

  private final LoadGenOptions options;
  /** One per phase. */
  private final LoadGenStats[] stats;
  private final AtomicLong inFlight = new AtomicLong();
  /** The phase being scheduled (the warmup counts as the first), for connections opened. */
  private volatile int currentPhase;
  private static final java.util.regex.Pattern RANDOM_TOKEN = java.util.regex.Pattern.compile("RANDOM([1-9][0-9]{0,9})");

  private Vertx vertx;
  private HttpClient client;

  LoadGen(LoadGenOptions options) {
    this.options = options;
    this.stats = new LoadGenStats[options.phases()];
    for (int p = 0; p < stats.length; p++) {
      stats[p] = new LoadGenStats();
    }
  }

  public static void main(String[] args) throws Exception {
    LoadGenOptions options;
    try {
      options = LoadGenOptions.parse(args);
      for (int p = 0; p < options.phases(); p++) {
        requireLoopback(options.phase(p).host());
      }
    } catch (IllegalArgumentException e) {
      System.err.println("LoadGen: " + e.getMessage());
      System.exit(2);
      return;
    }
    new LoadGen(options).run(System.out);
    System.exit(0);
  }

  /** Resolves {@code host} and refuses it unless every address it names is a loopback address. */
  static void requireLoopback(String host) {
    try {
      for (InetAddress a : InetAddress.getAllByName(host)) {
        if (!a.isLoopbackAddress()) {
          throw new IllegalArgumentException("--url host " + host + " resolves to " + a
              + ", which is not a loopback address");
        }
      }
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("--url host " + host + " does not resolve");
    }
  }

  /** Runs the load and prints the report to {@code out}. */
  void run(PrintStream out) throws Exception {
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(options.eventLoops()));
    long timeoutMs = Math.max(1, options.timeout().toMillis());
    client = vertx.httpClientBuilder()
        .with(new HttpClientOptions().setKeepAlive(true).setPipelining(false).setTcpNoDelay(true)
            .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, timeoutMs)))
        .with(new PoolOptions().setHttp1MaxSize(options.connections()).setMaxWaitQueueSize(-1))
        .withConnectHandler(conn -> stats[currentPhase].connectionOpened())
        .build();
    Context[] contexts = new Context[options.eventLoops()];
    for (int i = 0; i < contexts.length; i++) {
      contexts[i] = vertx.getOrCreateContext();
    }
    int phases = options.phases();
    Target[] targets = new Target[phases];
    for (int p = 0; p < phases; p++) {
      targets[p] = new Target(options.phase(p));
    }

    double intervalNanos = 1e9 / options.rate();
    long warmupNanos = options.warmup().toNanos();
    long durationNanos = options.duration().toNanos();
    long total = (long) Math.ceil((warmupNanos + phases * durationNanos) / intervalNanos);
    long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
    long startEpochMillis = System.currentTimeMillis() + 20;
    long windowStart = start + warmupNanos;
    long[] sent = new long[phases];
    long[] lastSendNanos = new long[phases];
    for (int p = 0; p < phases; p++) {
      lastSendNanos[p] = windowStart + p * durationNanos;
    }
    for (long i = 0; i < total; i++) {
      long scheduled = start + (long) (i * intervalNanos);
      long now;
      while ((now = System.nanoTime()) < scheduled) {
        LockSupport.parkNanos(scheduled - now);
      }
      boolean measured = scheduled >= windowStart;
      int phase = measured ? (int) Math.min(phases - 1, (scheduled - windowStart) / durationNanos) : 0;
      currentPhase = phase;
      if (measured) {
        sent[phase]++;
        lastSendNanos[phase] = now;
      }
      inFlight.incrementAndGet();
      RequestOptions r = targets[phase].next();
      LoadGenStats into = measured ? stats[phase] : null;
      contexts[(int) (i % contexts.length)].runOnContext(v -> send(r, scheduled, into, timeoutMs));
    }

    // Every request ends by its own timer at the latest; the margin covers the reset itself.
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs + 2000);
    while (inFlight.get() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    if (inFlight.get() > 0) {
      out.println("LoadGen: " + inFlight.get() + " request(s) still unresolved after the timeout;"
          + " they are not counted");
    }
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      out.println("LoadGen: closing the client failed: " + e);
    }
    for (int p = 0; p < phases; p++) {
      long phaseStart = windowStart + p * durationNanos;
      double window = Math.max(durationNanos, lastSendNanos[p] - phaseStart) / 1e9;
      long phaseStartMillis = startEpochMillis + (warmupNanos + p * durationNanos) / 1_000_000;
      // With phases, each RESULT line says which one it is and when it ran (epoch ms), so that a
      // script can match what it sampled meanwhile (a server's metrics) to the phase.
      String suffix = phases == 1 ? "" : String.format(java.util.Locale.ROOT,
          " phase=%d start_ms=%d end_ms=%d", p + 1, phaseStartMillis,
          phaseStartMillis + durationNanos / 1_000_000);
      out.print(stats[p].report(options.phase(p), sent[p], sent[p] / window, suffix));
    }
    out.flush();
  }

  /** One phase's request target; a path segment RANDOM<N> is drawn anew for every request. */
  private static final class Target {
    private final RequestOptions request;
    /** With a RANDOM<N> segment: the target before it, N, and the target after it; else N is 0. */
    private final String before;
    private final long randomBound;
    private final String after;

    Target(LoadGenOptions phase) {
      request = new RequestOptions().setMethod(HttpMethod.GET)
          .setHost(phase.host()).setPort(phase.port()).setURI(phase.requestUri());
      // A path segment RANDOM<N> (e.g. /products/RANDOM2000/cached) becomes a uniformly random
      // integer in 1..N per request, to spread load over keys.
      String uri = phase.requestUri();
      java.util.regex.Matcher random = RANDOM_TOKEN.matcher(uri);
      boolean found = random.find();
      before = found ? uri.substring(0, random.start()) : uri;
      randomBound = found ? Long.parseLong(random.group(1)) : 0;
      after = found ? uri.substring(random.end()) : "";
    }

    RequestOptions next() {
      return randomBound == 0 ? request : new RequestOptions(request).setURI(before
          + (1 + java.util.concurrent.ThreadLocalRandom.current().nextLong(randomBound)) + after);
    }
  }

  /** Issues one request on the current event-loop context and records its outcome there. */
  private void send(RequestOptions request, long scheduled, LoadGenStats into, long timeoutMs) {
    if (into != null) {
      into.sendLag(System.nanoTime() - scheduled);
    }
    Exchange ex = new Exchange(scheduled, into);
    ex.timer = vertx.setTimer(timeoutMs, id -> ex.timedOut());
    client.request(request).onComplete(ar -> {
      if (ar.failed()) {
        ex.failed(ar.cause());
        return;
      }
      HttpClientRequest req = ar.result();
      if (ex.done) {
        req.reset();
        return;
      }
      ex.request = req;
      req.send()
          .compose(resp -> resp.body().map(body -> resp))
          .onComplete(r -> {
            if (r.succeeded()) {
              ex.answered(r.result().statusCode(), r.result().getHeader(HttpHeaders.RETRY_AFTER) != null);
            } else {
              ex.failed(r.cause());
            }
          });
    });
  }

  /** One request's state; confined to the event-loop context it was issued on. */
  private final class Exchange {
    final long scheduled;
    /** Where its outcome is recorded; null for a warmup request, which is not measured. */
    final LoadGenStats stats;
    long timer;
    HttpClientRequest request;
    boolean done;

    Exchange(long scheduled, LoadGenStats stats) {
      this.scheduled = scheduled;
      this.stats = stats;
    }

    void answered(int status, boolean retryAfter) {
      if (finish()) {
        if (stats != null) {
          stats.response(status, retryAfter, System.nanoTime() - scheduled);
        }
        inFlight.decrementAndGet();
      }
    }

    void failed(Throwable cause) {
      if (finish()) {
        if (stats != null) {
          stats.error(cause);
        }
        inFlight.decrementAndGet();
      }
    }

    void timedOut() {
      if (done) {
        return;
      }
      done = true;
      if (request != null) {
        request.reset();
      }
      if (stats != null) {
        stats.timeout();
      }
      inFlight.decrementAndGet();
    }

    /**
     * True the first time: this outcome counts, and the caller records it before it decrements
     * {@code inFlight} (so the report never misses it); later ones (after a timeout) do not.
     */
    private boolean finish() {
      if (done) {
        return false;
      }
      done = true;
      vertx.cancelTimer(timer);
      return true;
    }
  }
}
