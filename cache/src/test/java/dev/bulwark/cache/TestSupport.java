package dev.bulwark.cache;

import static org.awaitility.Awaitility.await;

import dev.bulwark.core.Ticker;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** Running a call on a Vert.x context from a test thread; waiting for a manager to join Redis. */
final class TestSupport {

  private TestSupport() {
  }

  /** Makes {@code call} on {@code context} and waits (bounded) for the value of its future. */
  static <T> T callOn(Context context, Supplier<Future<T>> call) throws Exception {
    CompletableFuture<T> done = new CompletableFuture<>();
    context.runOnContext(v -> call.get().onComplete(ar -> {
      if (ar.succeeded()) {
        done.complete(ar.result());
      } else {
        done.completeExceptionally(ar.cause());
      }
    }));
    try {
      return done.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError("call on context failed: " + e.getCause(), e.getCause());
    }
  }

  /**
   * Waits until {@code m} is {@link CacheHealth.Status#UP}. Creating a manager returns at once and
   * it connects in the background; a first connect that failed (a loaded machine) opened the
   * breaker on the manager's ticker. On a {@link FakeTicker} nobody else moves, that breaker would
   * stay open for ever: each poll that finds the manager not UP moves the ticker on by the open
   * duration, so the probe can close it. The bound only keeps a broken manager from hanging the
   * build.
   */
  static void awaitUp(CacheManager m) {
    Ticker ticker = m.options().ticker();
    Duration open = m.options().breakerOpenDuration();
    await().atMost(Duration.ofSeconds(60)).until(() -> {
      if (m.health().status() == CacheHealth.Status.UP) {
        return true;
      }
      if (ticker instanceof FakeTicker fake) {
        fake.advance(open);
      }
      return false;
    });
  }
}
