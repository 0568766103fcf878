package dev.bulwark.db;

import static dev.bulwark.db.TestSupport.await;
import static dev.bulwark.db.TestSupport.awaitFailure;
import static org.assertj.core.api.Assertions.assertThat;

import dev.bulwark.core.Overloaded;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Callers beyond {@code maxWaiters}, or waiting past {@code waitTimeout}, fail fast with a cheap
 * {@link DbBusyException} that explains the pool state. These tests run no query before the
 * one that holds the connection, so the pool has no run-time sample and never sheds early.
 */
@ExtendWith(VertxExtension.class)
class BusyTest {

  @ParameterizedTest(name = "{0}")
  @EnumSource(Backend.class)
  void callerBeyondMaxWaiters_failsAtOnceWithBusyNamingThePoolState(Backend backend, Vertx vertx)
      throws InterruptedException {
    try (TestDb t = TestDb.open(vertx, backend, b -> b.poolName("tiny").maximumPoolSize(1)
        .maxWaiters(1).waitTimeout(Duration.ofSeconds(5)));
        Holder holder = Holder.hold(t.db())) {
      Future<Optional<Integer>> queued = t.db().queryOne("SELECT 2", rs -> rs.getInt(1));

      Future<Optional<Integer>> third = t.db().queryOne("SELECT 3", rs -> rs.getInt(1));

      assertThat(third.failed()).as("rejected at once, not after a wait").isTrue();
      assertThat(third.cause()).isInstanceOf(DbBusyException.class).isInstanceOf(Overloaded.class);
      DbBusyException busy = (DbBusyException) third.cause();
      assertThat(busy.getMessage()).contains("tiny", "busy", "1 active", "1 waiting",
          "maximumPoolSize=1", "maxWaiters=1");
      assertThat(busy.retryAfter()).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
      assertThat(busy.getStackTrace()).as("cheap: no stack trace").isEmpty();

      holder.release();
      assertThat(await(holder.future)).isEqualTo(1);
      assertThat(await(queued)).as("the queued caller ran once the connection was free").contains(2);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Backend.class)
  void waiterPastWaitTimeout_failsBusy_andItsWorkNeverRuns(Backend backend, Vertx vertx)
      throws InterruptedException {
    try (TestDb t = TestDb.open(vertx, backend, b -> b.maximumPoolSize(1).maxWaiters(4)
        .waitTimeout(Duration.ofMillis(300)));
        Holder holder = Holder.hold(t.db())) {
      AtomicBoolean ran = new AtomicBoolean();

      Throwable failure = awaitFailure(t.db().withConnection(c -> ran.getAndSet(true)));

      assertThat(failure).isInstanceOf(DbBusyException.class);
      assertThat(failure.getMessage()).contains("busy", "queue timeout", "waitTimeout=PT0.3S");
      assertThat(((DbBusyException) failure).retryAfter()).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
      holder.release();
      assertThat(await(holder.future)).isEqualTo(1);
      assertThat(ran).as("a timed-out waiter's work is dropped, not run late").isFalse();
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Backend.class)
  void noWaitersAllowed_rejectsSecondCallerWhileConnectionHeld(Backend backend, Vertx vertx)
      throws InterruptedException {
    try (TestDb t = TestDb.open(vertx, backend, b -> b.maximumPoolSize(1).maxWaiters(0));
        Holder holder = Holder.hold(t.db())) {
      Future<Optional<Integer>> second = t.db().queryOne("SELECT 1", rs -> rs.getInt(1));

      assertThat(second.failed()).isTrue();
      assertThat(second.cause()).isInstanceOf(DbBusyException.class);
      assertThat(second.cause().getMessage()).contains("maxWaiters=0");
      assertThat(t.db().stats().active()).isEqualTo(1);
      holder.release();
      assertThat(await(holder.future)).isEqualTo(1);
    }
  }

  /** Holds the pool's only connection on a JDBC worker until released (or closed). */
  private static final class Holder implements AutoCloseable {
    private final CountDownLatch held = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private Future<Integer> future;

    static Holder hold(Db db) throws InterruptedException {
      Holder h = new Holder();
      h.future = db.withConnection(c -> {
        h.held.countDown();
        return h.release.await(10, TimeUnit.SECONDS) ? 1 : -1;
      });
      assertThat(h.held.await(10, TimeUnit.SECONDS)).as("connection borrowed").isTrue();
      return h;
    }

    void release() {
      release.countDown();
    }

    @Override
    public void close() {
      release();
    }
  }
}
