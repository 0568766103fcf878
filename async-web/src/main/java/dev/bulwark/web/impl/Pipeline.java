package dev.bulwark.web.impl;

import dev.bulwark.core.internal.Tracing;
import dev.bulwark.web.HttpException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import java.util.concurrent.CompletionStage;

/**
 * The one request path. Both fronts (the compiled {@link RouteTable} and the vertx-web adapter,
 * {@link RouterFront}) find a route, build an {@link Exchange} and call {@link #serve}; from there
 * every request of every route takes the same stages, each written once:
 *
 * <pre>
 * admission/drain (Exchange.admit) -> bind (binders of the plan) -> [cache lookup (ResponseCache)]
 * -> invoke (event loop, or the plan's WorkerPool) -> encode (ResultWriter / StreamResponse)
 * -> write -> metrics (Exchange's end handler: the status actually sent, or 499 client closed)
 * </pre>
 *
 * <p>Design note. Nothing here looks at annotations or types: the {@link RoutePlan} decided all of
 * it at start. Per request the pipeline allocates the argument array and, for an asynchronous
 * result or a worker hand-off, the completion callbacks; a synchronous handler on the event loop
 * writes its answer without any. A failure at any stage is answered by {@link Errors} as JSON
 * ({@link HttpException} with its status, overload as 503, anything else 500 with a request id).
 * Stateless and thread-safe; every stage runs on the request's event loop except the handler
 * itself (and a JSON body's parsing) on a worker route, whose result comes back to the loop
 * through the pool's future.
 */
final class Pipeline {

  /** The arguments of every method without parameters: never written, so shared. */
  private static final Object[] NO_ARGS = new Object[0];
  /** Null without the OpenTelemetry API; see {@link Tracing}. */
  private static final Tracing TRACING = Tracing.get();

  private Pipeline() {
  }

  /**
   * Serves {@code ex} through every stage; the front has found its route and read its body. When
   * the dispatch returns, the exchange records the end of a response already ended, or sets the
   * handlers that will ({@link Exchange#dispatched}).
   */
  static void serve(Exchange ex) {
    ex.dispatching(ex.context() == null);
    try {
      stages(ex);
    } finally {
      ex.dispatched();
    }
  }

  private static void stages(Exchange ex) {
    if (!ex.admit()) {
      return;
    }
    if (TRACING != null && TRACING.active()) {
      // Vert.x names the server span after the method alone; the route is known only here.
      TRACING.route(ex.plan().method().name(), ex.plan().template());
    }
    Object[] args;
    try {
      args = bind(ex);
    } catch (RuntimeException e) {
      // An HttpException (400, 415) keeps its status; anything else is a 500 with a request id.
      ex.fail(e);
      return;
    }
    ResponseCache cache = ex.plan().cache();
    if (cache != null) {
      cache.serve(ex, args);
      return;
    }
    invoke(ex, args, ex, true);
  }

  /** Where an invocation's value or failure goes, on the request's event loop. */
  interface Outcome {
    void value(Object value);

    void failure(Throwable failure);
  }

  /**
   * Invokes on the route's thread and unwraps an asynchronous result, without writing: the
   * response cache encodes the value itself. Completes on the request's event loop. The task is
   * not withdrawn when this client leaves: a cache load is shared by every request for its key.
   */
  static Future<Object> produce(Exchange ex, Object[] args) {
    Promise<Object> promise = Promise.promise();
    invoke(ex, args, new Outcome() {
      @Override
      public void value(Object value) {
        promise.complete(value);
      }

      @Override
      public void failure(Throwable failure) {
        promise.fail(failure);
      }
    }, false);
    return promise.future();
  }

  /** Every argument but a JSON body bound on the worker (it is bound in {@link #invoke}). */
  private static Object[] bind(Exchange ex) {
    RoutePlan plan = ex.plan();
    ParamBinder[] binders = plan.binders();
    if (binders.length == 0) {
      return NO_ARGS;
    }
    int deferred = plan.deferredBody();
    Object[] args = new Object[binders.length];
    for (int i = 0; i < binders.length; i++) {
      if (i != deferred) {
        args[i] = binders[i].bind(ex);
      }
    }
    return args;
  }

  /**
   * Invokes the method on the event loop or its pool, unwraps a {@code Future} or
   * {@code CompletionStage} result, and hands the value or the failure over; both arrive on the
   * request's event loop. With {@code withdrawn}, a queued task whose client leaves is dropped
   * from the pool's queue, never run (the promise that tells it is made only for a pool route).
   */
  private static void invoke(Exchange ex, Object[] args, Outcome outcome, boolean withdrawn) {
    RoutePlan plan = ex.plan();
    if (plan.pool() == null) {
      Object result;
      try {
        result = (Object) plan.invoker().invokeExact(args);
      } catch (Throwable t) {
        outcome.failure(t);
        return;
      }
      unwrap(plan, result, outcome);
      return;
    }
    int deferred = plan.deferredBody();
    plan.pool().submit(() -> {
      if (deferred >= 0) {
        args[deferred] = plan.binders()[deferred].bind(ex);
      }
      try {
        return (Object) plan.invoker().invokeExact(args);
      } catch (Exception | Error e) {
        throw e;
      } catch (Throwable t) {
        throw new IllegalStateException(t);
      }
    }, withdrawn ? ex.gone() : null).onComplete(ar -> {
      if (ar.succeeded()) {
        unwrap(plan, ar.result(), outcome);
      } else {
        outcome.failure(ar.cause());
      }
    });
  }

  @SuppressWarnings("unchecked")
  private static void unwrap(RoutePlan plan, Object result, Outcome outcome) {
    if (plan.async() == RoutePlan.Async.NONE) {
      outcome.value(result);
      return;
    }
    Future<Object> future;
    if (result == null) {
      future = Future.failedFuture(new IllegalStateException(plan.description() + " returned a null future"));
    } else if (plan.async() == RoutePlan.Async.FUTURE) {
      future = (Future<Object>) result;
    } else {
      future = Future.fromCompletionStage((CompletionStage<Object>) result, Vertx.currentContext());
    }
    future.onComplete(ar -> {
      if (ar.succeeded()) {
        outcome.value(ar.result());
      } else {
        outcome.failure(ar.cause());
      }
    });
  }

  /** The encoding and writing stages for a value that is not cached. */
  static void write(Exchange ex, Object value) {
    HttpServerResponse response = ex.response();
    RoutePlan plan = ex.plan();
    if (!ex.dispatching() && (response.closed() || response.ended())) {
      // The client left before the result arrived: a stream nobody will pull must still close.
      StreamResponse.discard(value);
      return;
    }
    try {
      if (plan.stream() != null) {
        if (value == null) {
          throw new IllegalStateException(plan.description() + " returned a null stream");
        }
        StreamResponse.start(ex, value, plan.stream());
      } else {
        plan.writer().write(value, ex);
      }
    } catch (Exception e) {
      ex.fail(e);
    }
  }
}
