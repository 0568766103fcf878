package dev.bulwark.db;

import dev.bulwark.core.testing.Await;

import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** Bounded waits on futures, and running a call on a Vert.x context. */
final class TestSupport {

  /** Upper bound for anything a test waits on; reached only when the code under test is broken. */
  static final Duration WAIT = Duration.ofSeconds(10);

  private TestSupport() {
  }

  /** Waits for {@code future} to succeed and returns its value. */
  static <T> T await(Future<T> future) {
    return Await.result(future, WAIT);
  }

  /** Waits for {@code future} to fail and returns the cause. */
  static Throwable awaitFailure(Future<?> future) {
    return Await.failure(future, WAIT);
  }

  /** Waits for {@code future} to complete either way. */
  static AsyncResult<?> awaitCompletion(Future<?> future) {
    CompletableFuture<AsyncResult<?>> done = new CompletableFuture<>();
    future.onComplete(done::complete);
    try {
      return done.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError("future did not complete within " + WAIT, e);
    }
  }

  /** Where and how a call made on a context completed. */
  record Completion<T>(AsyncResult<T> result, Context context, boolean onEventLoopThread) {
  }

  /** Makes {@code call} on {@code context} and waits for its future, noting where it completed. */
  static <T> Completion<T> callOn(Context context, Supplier<Future<T>> call) {
    CompletableFuture<Completion<T>> done = new CompletableFuture<>();
    context.runOnContext(v -> call.get().onComplete(ar -> done.complete(
        new Completion<>(ar, Vertx.currentContext(), Context.isOnEventLoopThread()))));
    try {
      return done.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError("call on context did not complete within " + WAIT, e);
    }
  }

  /** A suffix that keeps this run's table names apart from other runs on the shared server. */
  static String uniqueSuffix() {
    return Long.toString(ThreadLocalRandom.current().nextLong(1L << 40, 1L << 41), 36);
  }
}
