package dev.bulwark.core;

import static dev.bulwark.core.TestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
class CompletionContextTest {

  private static final String WORKER_THREAD = "bulwark-ctx-\\d+";

  private final TestSupport.Gate gate = new TestSupport.Gate();
  private WorkerPool pool;

  @AfterEach
  void release() {
    gate.open();
    if (pool != null) {
      await(pool.close(Duration.ofSeconds(1)));
    }
  }

  /** Asserts that the running code is on {@code ctx}, on an event-loop thread. */
  private static void assertOn(Context ctx) {
    assertThat(Vertx.currentContext()).isSameAs(ctx);
    assertThat(Context.isOnEventLoopThread()).isTrue();
    assertThat(Thread.currentThread().getName()).doesNotStartWith("bulwark-");
  }

  @Test
  void submit_deliversResultOnTheSubmittingEventLoopContext(Vertx vertx, VertxTestContext tc) {
    pool = WorkerPool.builder().name("ctx").maxConcurrency(2).build();
    Context ctx = vertx.getOrCreateContext();
    AtomicReference<String> taskThread = new AtomicReference<>();

    ctx.runOnContext(v -> pool.submit(() -> {
      taskThread.set(Thread.currentThread().getName());
      return "ok";
    }).onComplete(ar -> tc.verify(() -> {
      assertOn(ctx);
      assertThat(ar.succeeded()).isTrue();
      assertThat(ar.result()).isEqualTo("ok");
      assertThat(taskThread.get()).matches(WORKER_THREAD);
      tc.completeNow();
    })));
  }

  @Test
  void submit_deliversTaskFailureOnTheSubmittingContext(Vertx vertx, VertxTestContext tc) {
    pool = WorkerPool.builder().name("ctx").maxConcurrency(2).build();
    Context ctx = vertx.getOrCreateContext();
    IllegalStateException boom = new IllegalStateException("boom");

    ctx.runOnContext(v -> pool.submit(() -> {
      throw boom;
    }).onComplete(ar -> tc.verify(() -> {
      assertOn(ctx);
      assertThat(ar.cause()).isSameAs(boom);
      tc.completeNow();
    })));
  }

  @Test
  void submit_deliversImmediateRejectionOnTheSubmittingContext(Vertx vertx, VertxTestContext tc)
      throws Exception {
    pool = WorkerPool.builder().name("ctx").maxConcurrency(1).maxQueue(0).build();
    pool.submit(gate.task("blocker"));
    gate.awaitEntered(1);
    Context ctx = vertx.getOrCreateContext();

    ctx.runOnContext(v -> pool.submit(() -> "rejected").onComplete(ar -> tc.verify(() -> {
      assertOn(ctx);
      assertThat(ar.cause()).isInstanceOf(RejectedTaskException.class);
      assertThat(((RejectedTaskException) ar.cause()).reason()).isEqualTo(RejectionReason.QUEUE_FULL);
      tc.completeNow();
    })));
  }

  @Test
  void submit_deliversQueueTimeoutFromTheTimerOnTheSubmittingContext(Vertx vertx,
      VertxTestContext tc) throws Exception {
    pool = WorkerPool.builder().name("ctx").maxConcurrency(1).maxQueue(1)
        .queueTimeout(Duration.ofMillis(50)).build();
    pool.submit(gate.task("blocker"));
    gate.awaitEntered(1);
    Context ctx = vertx.getOrCreateContext();

    ctx.runOnContext(v -> pool.submit(() -> "late").onComplete(ar -> tc.verify(() -> {
      assertOn(ctx);
      assertThat(ar.cause()).isInstanceOf(RejectedTaskException.class);
      assertThat(((RejectedTaskException) ar.cause()).reason())
          .isEqualTo(RejectionReason.QUEUE_TIMEOUT);
      tc.completeNow();
    })));
  }

  @Test
  void close_completesOnTheClosingContext(Vertx vertx, VertxTestContext tc) throws Exception {
    pool = WorkerPool.builder().name("ctx").maxConcurrency(1).build();
    Future<String> running = pool.submit(gate.task("running"));
    gate.awaitEntered(1);
    Context ctx = vertx.getOrCreateContext();

    ctx.runOnContext(v -> {
      pool.close(Duration.ofSeconds(5)).onComplete(ar -> tc.verify(() -> {
        assertOn(ctx);
        assertThat(ar.succeeded()).isTrue();
        assertThat(running.succeeded()).isTrue();
        tc.completeNow();
      }));
      gate.open();
    });
  }

  @Test
  void submit_offVertx_completesOnTheWorkerThread() throws Exception {
    pool = WorkerPool.builder().name("ctx").maxConcurrency(1).build();
    CompletableFuture<String> handlerThread = new CompletableFuture<>();
    Future<String> f = pool.submit(gate.task("done"));
    gate.awaitEntered(1);
    f.onComplete(ar -> handlerThread.complete(Thread.currentThread().getName()));

    gate.open();

    assertThat(handlerThread.get(5, TimeUnit.SECONDS)).matches(WORKER_THREAD);
    assertThat(Vertx.currentContext()).isNull();
  }
}
