package dev.bulwark.db;

import static dev.bulwark.db.TestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Whatever callers do with their results, every connection goes back to the pool. */
@ExtendWith(VertxExtension.class)
class NoLeakTest {

  /** Calls issued at once: ten times what the pool lets wait, so most are shed mid-flight. */
  private static final int CALLS = 10_000;

  @ParameterizedTest(name = "{0}")
  @EnumSource(Backend.class)
  void tenThousandQueriesIssuedAtOnce_allComplete_andLeaveNoConnectionInUse(Backend backend, Vertx vertx) {
    try (TestDb t = TestDb.open(vertx, backend, b -> b.maximumPoolSize(3).maxWaiters(1000)
        .waitTimeout(Duration.ofSeconds(5)))) {
      AtomicInteger succeeded = new AtomicInteger();
      Queue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
      AtomicInteger busy = new AtomicInteger();
      AtomicInteger wrong = new AtomicInteger();

      vertx.getOrCreateContext().runOnContext(v -> {
        for (int i = 0; i < CALLS; i++) {
          int n = i;
          t.db().queryOne("SELECT ?", rs -> rs.getInt(1), n).onComplete(ar -> {
            if (ar.succeeded()) {
              succeeded.incrementAndGet();
              if (!ar.result().orElseThrow().equals(n)) {
                wrong.incrementAndGet();
              }
            } else if (ar.cause() instanceof DbBusyException) {
              busy.incrementAndGet();
            } else {
              unexpected.add(ar.cause());
            }
          });
        }
      });

      Awaitility.await().atMost(Duration.ofSeconds(15))
          .until(() -> succeeded.get() + busy.get() + unexpected.size() == CALLS);
      Awaitility.await().atMost(Duration.ofSeconds(3))
          .until(() -> t.db().stats().active() == 0 && t.db().stats().waiting() == 0);

      assertThat(unexpected).isEmpty();
      assertThat(wrong).hasValue(0);
      assertThat(succeeded.get()).as("most went through; the rest were shed as busy").isGreaterThan(0);
      assertThat(t.db().stats().total()).isLessThanOrEqualTo(3);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Backend.class)
  void streamsCancelledAtAnyPoint_leaveNoConnectionInUse(Backend backend, Vertx vertx) {
    // Twelve streams share two connections: the queued ones may wait, so give them time (a bound
    // against a hang: a loaded machine runs these streams one after another on one connection).
    try (TestDb t = TestDb.open(vertx, backend, b -> b.maximumPoolSize(2).waitTimeout(Duration.ofSeconds(60)))) {
      Context context = vertx.getOrCreateContext();
      int[] cancelAt = {1, 2, 255, 256, 257, 511, 512, 513, 1000, 5_000};
      List<Db.RowStream<Long>> paused = new ArrayList<>();
      AtomicInteger cancelled = new AtomicInteger();
      AtomicInteger ended = new AtomicInteger();
      Queue<Throwable> failures = new ConcurrentLinkedQueue<>();

      context.runOnContext(v -> {
        for (int at : cancelAt) {
          Db.RowStream<Long> s = t.db().stream(backend.seriesSql(), rs -> rs.getLong(1), 100_000);
          AtomicInteger seen = new AtomicInteger();
          s.endHandler(x -> ended.incrementAndGet());
          s.exceptionHandler(failures::add);
          s.handler(id -> {
            if (seen.incrementAndGet() == at) {
              s.cancel();
              cancelled.incrementAndGet();
            }
          });
        }
        Db.RowStream<Long> never = t.db().stream(backend.seriesSql(), rs -> rs.getLong(1), 100_000);
        never.cancel();
        never.handler(id -> ended.incrementAndGet());
        Db.RowStream<Long> held = t.db().stream(backend.seriesSql(), rs -> rs.getLong(1), 100_000);
        held.pause();
        held.handler(id -> { });
        paused.add(held);
      });

      Awaitility.await().atMost(Duration.ofSeconds(60))
          .until(() -> cancelled.get() == cancelAt.length || !failures.isEmpty());
      assertThat(failures).isEmpty();
      context.runOnContext(v -> paused.forEach(Db.RowStream::cancel));
      Awaitility.await().atMost(Duration.ofSeconds(5))
          .until(() -> t.db().stats().active() == 0 && t.db().stats().waiting() == 0);

      assertThat(ended).hasValue(0);
      assertThat(await(t.db().queryOne("SELECT 1", rs -> rs.getInt(1)))).contains(1);
    }
  }
}
