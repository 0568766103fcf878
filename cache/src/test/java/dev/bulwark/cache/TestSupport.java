package dev.bulwark.cache;

import io.vertx.core.Context;
import io.vertx.core.Future;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** Running a call on a Vert.x context from a test thread. */
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
}
