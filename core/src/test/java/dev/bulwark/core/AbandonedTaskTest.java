package dev.bulwark.core;

import static dev.bulwark.core.TestSupport.await;
import static dev.bulwark.core.TestSupport.awaitCompleted;
import static dev.bulwark.core.TestSupport.awaitRejection;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A queued task whose submitter abandons it (a server's client went away) leaves the queue at once
 * and never runs; a running or finished task is not affected.
 */
class AbandonedTaskTest {

  private final TestSupport.Gate gate = new TestSupport.Gate();
  private final WorkerPool pool = WorkerPool.builder().maxConcurrency(1).maxQueue(4)
      .queueTimeout(Duration.ofMinutes(1)).build();

  @AfterEach
  void close() {
    gate.open();
    await(pool.close(Duration.ofSeconds(5)));
  }

  @Test
  void abandonedWhileQueued_leavesTheQueueWithoutRunning() throws Exception {
    Future<String> holder = pool.submit(gate.task("held"));
    gate.awaitEntered(1);
    AtomicInteger ran = new AtomicInteger();
    Promise<Void> abandoned = Promise.promise();
    Future<Integer> queued = pool.submit(ran::incrementAndGet, abandoned.future());
    Future<Integer> kept = pool.submit(() -> 7, Promise.<Void>promise().future());
    assertThat(pool.stats().queued()).isEqualTo(2);

    abandoned.complete();

    RejectedTaskException e = awaitRejection(queued, RejectionReason.CANCELLED);
    assertThat(e.reason().tag()).isEqualTo("cancelled");
    assertThat(pool.stats().queued()).as("only the kept task waits").isEqualTo(1);
    gate.open();
    assertThat(await(holder)).isEqualTo("held");
    assertThat(await(kept)).isEqualTo(7);
    awaitCompleted(pool, 2);
    assertThat(ran.get()).as("the abandoned task ran").isZero();
  }

  @Test
  void abandonedAfterAdmission_runsToTheEnd() throws Exception {
    Promise<Void> abandoned = Promise.promise();
    Future<String> running = pool.submit(gate.task("done"), abandoned.future());
    gate.awaitEntered(1);

    abandoned.fail("client gone");
    gate.open();

    assertThat(await(running)).isEqualTo("done");
  }

  @Test
  void alreadyAbandoned_isWithdrawnAsSoonAsItIsQueued() throws Exception {
    Future<String> holder = pool.submit(gate.task("held"));
    gate.awaitEntered(1);

    Future<String> queued = pool.submit(() -> "never", Future.succeededFuture());

    awaitRejection(queued, RejectionReason.CANCELLED);
    assertThat(pool.stats().queued()).isZero();
    gate.open();
    assertThat(await(holder)).isEqualTo("held");
  }
}
