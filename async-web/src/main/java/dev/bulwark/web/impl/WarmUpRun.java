package dev.bulwark.web.impl;

import dev.bulwark.web.WarmUp;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link WarmUp}: deploys the server's verticles on an ephemeral loopback port, sends the
 * warm-up's GET requests through a Vert.x client, {@code concurrency} at a time, until enough were
 * answered or the time is up, then closes the client and undeploys. The real port is bound only
 * after. Thread-safe: the counters are atomic; each request chain runs on the client's context.
 */
final class WarmUpRun {

  private static final Logger LOG = LoggerFactory.getLogger(WarmUpRun.class);

  private WarmUpRun() {
  }

  /** Completes when the warm-up is over; a warm-up never fails the start (it is logged). */
  static Future<Void> run(Vertx vertx, ServerVerticle.Shared shared, WarmUp warmUp) {
    int[] port = {-1};
    HttpServerOptions loopback = new HttpServerOptions(shared.httpOptions()).setHost("127.0.0.1");
    ServerVerticle.Shared warm = shared.with(loopback, s -> port[0] = s.actualPort());
    int listenPort = shared.options().eventLoops() > 1 ? -1 : 0;
    long start = System.nanoTime();
    return vertx.deployVerticle(() -> new ServerVerticle(warm, listenPort),
            new DeploymentOptions().setInstances(shared.options().eventLoops()))
        .compose(id -> exercise(vertx, port[0], warmUp, start)
            .eventually(() -> vertx.undeploy(id)))
        .transform(ar -> {
          if (ar.failed()) {
            LOG.warn("warm-up failed, starting anyway: {}", ar.cause().toString());
          }
          return Future.succeededFuture();
        });
  }

  private static Future<Void> exercise(Vertx vertx, int port, WarmUp warmUp, long start) {
    HttpClient client = vertx.createHttpClient(new HttpClientOptions()
            .setDefaultHost("127.0.0.1").setDefaultPort(port).setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(warmUp.concurrency()));
    long deadline = start + warmUp.maxDuration().toNanos();
    AtomicInteger sent = new AtomicInteger();
    AtomicInteger answered = new AtomicInteger();
    Set<String> failing = ConcurrentHashMap.newKeySet();
    Promise<Void> done = Promise.promise();
    AtomicInteger running = new AtomicInteger(warmUp.concurrency());
    Runnable laneDone = () -> {
      if (running.decrementAndGet() == 0) {
        done.complete();
      }
    };
    for (int i = 0; i < warmUp.concurrency(); i++) {
      next(client, warmUp, deadline, sent, answered, failing, laneDone);
    }
    return done.future().eventually(client::close).onSuccess(v -> LOG.info(
        "warm-up: {} request(s) answered in {} ms over {} path(s)", answered.get(),
        (System.nanoTime() - start) / 1_000_000, warmUp.paths().size()));
  }

  /** One lane: sends a request, and on its answer the next, until the count or time is spent. */
  private static void next(HttpClient client, WarmUp warmUp, long deadline, AtomicInteger sent,
      AtomicInteger answered, Set<String> failing, Runnable laneDone) {
    int n = sent.getAndIncrement();
    if (n >= warmUp.maxRequests() || System.nanoTime() >= deadline) {
      laneDone.run();
      return;
    }
    String path = warmUp.paths().get(n % warmUp.paths().size());
    client.request(new RequestOptions().setMethod(HttpMethod.GET).setURI(path))
        .compose(req -> req.send().compose(resp -> resp.body().map(resp.statusCode())))
        .onComplete(ar -> {
          if (ar.succeeded()) {
            answered.incrementAndGet();
            if (ar.result() >= 500 && failing.add(path)) {
              LOG.warn("warm-up: GET {} answered {}", path, ar.result());
            }
          } else if (failing.add(path)) {
            LOG.warn("warm-up: GET {} failed: {}", path, ar.cause().toString());
          }
          next(client, warmUp, deadline, sent, answered, failing, laneDone);
        });
  }
}
