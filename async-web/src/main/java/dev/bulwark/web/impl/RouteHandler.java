package dev.bulwark.web.impl;

import dev.bulwark.core.WorkerPool;
import dev.bulwark.web.HttpException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.PlatformHandler;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.CompletionStage;

/**
 * Serves one bound route: counts the request, binds the arguments, invokes the handler method on
 * the event loop or on its worker pool, and writes the result. Everything it uses was decided at
 * start (binders, method handle, writer, pool); nothing here reflects. Immutable and thread-safe;
 * every method runs on the request's event loop (worker results come back there through the
 * pool's future).
 */
final class RouteHandler implements Handler<RoutingContext> {

  /** How a result arrives. */
  enum Async { NONE, FUTURE, COMPLETION_STAGE }

  private final String description;
  private final ParamBinder[] binders;
  private final MethodHandle invoker;
  private final Async async;
  private final ResultWriter writer;
  private final WorkerPool pool;
  private final Tracking tracking;

  RouteHandler(String description, ParamBinder[] binders, MethodHandle invoker, Async async,
      ResultWriter writer, WorkerPool pool, Tracking tracking) {
    this.description = description;
    this.binders = binders;
    this.invoker = invoker;
    this.async = async;
    this.writer = writer;
    this.pool = pool;
    this.tracking = tracking;
  }

  @Override
  public void handle(RoutingContext ctx) {
    if (tracking != null && !tracking.begin(ctx)) {
      return;
    }
    Object[] args;
    try {
      args = bind(ctx);
    } catch (HttpException e) {
      Errors.send(ctx, e.status(), e.getMessage());
      return;
    }
    run(args, value -> write(ctx, value), failure -> Errors.handle(ctx, failure));
  }

  /**
   * Serves a request without the router (its path matched {@code template}; only path, query and
   * header parameters; no body): the same steps as {@link #handle}, on the bare request.
   */
  void handleFast(HttpServerRequest request, TextParamBinder[] fastBinders, PathTemplate template,
      String[] pathValues, Tracking tracking) {
    if (!tracking.beginFast(request)) {
      return;
    }
    Object[] args;
    try {
      args = bindFast(request, fastBinders, template, pathValues);
    } catch (HttpException e) {
      Errors.send(request.response(), e.status(), e.getMessage());
      return;
    }
    run(args, value -> {
      HttpServerResponse response = request.response();
      if (response.closed()) {
        return;
      }
      try {
        writer.write(response, value);
      } catch (Exception e) {
        Errors.handle(request, e);
      }
    }, failure -> Errors.handle(request, failure));
  }

  /**
   * Binds, invokes on the route's thread and unwraps an asynchronous result, without writing: the
   * response cache encodes the value itself. Completes on the request's context.
   */
  Future<Object> produce(RoutingContext ctx) {
    try {
      return produce(bind(ctx));
    } catch (HttpException e) {
      return Future.failedFuture(e);
    }
  }

  private Future<Object> produce(Object[] args) {
    Promise<Object> promise = Promise.promise();
    run(args, promise::complete, promise::fail);
    return promise.future();
  }

  /**
   * Invokes the method on the event loop or its pool, unwraps a {@code Future} or
   * {@code CompletionStage} result, and hands the value or the failure over; both arrive on the
   * request's event loop.
   */
  @SuppressWarnings("unchecked")
  private void run(Object[] args, Handler<Object> onValue, Handler<Throwable> onFailure) {
    Handler<Object> unwrap = async == Async.NONE ? onValue : result -> {
      Future<Object> future;
      if (result == null) {
        future = Future.failedFuture(new IllegalStateException(description + " returned a null future"));
      } else if (async == Async.FUTURE) {
        future = (Future<Object>) result;
      } else {
        future = Future.fromCompletionStage((CompletionStage<Object>) result, Vertx.currentContext());
      }
      future.onComplete(ar -> {
        if (ar.succeeded()) {
          onValue.handle(ar.result());
        } else {
          onFailure.handle(ar.cause());
        }
      });
    };
    if (pool == null) {
      Object result;
      try {
        result = (Object) invoker.invokeExact(args);
      } catch (Throwable t) {
        onFailure.handle(t);
        return;
      }
      unwrap.handle(result);
    } else {
      pool.submit(() -> {
        try {
          return (Object) invoker.invokeExact(args);
        } catch (Exception | Error e) {
          throw e;
        } catch (Throwable t) {
          throw new IllegalStateException(t);
        }
      }).onComplete(ar -> {
        if (ar.succeeded()) {
          unwrap.handle(ar.result());
        } else {
          onFailure.handle(ar.cause());
        }
      });
    }
  }

  /**
   * As {@link #produce(RoutingContext)}, for a request served without the router (see
   * {@link #handleFast}).
   */
  Future<Object> produceFast(HttpServerRequest request, TextParamBinder[] fastBinders,
      PathTemplate template, String[] pathValues) {
    try {
      return produce(bindFast(request, fastBinders, template, pathValues));
    } catch (HttpException e) {
      return Future.failedFuture(e);
    }
  }

  private static Object[] bindFast(HttpServerRequest request, TextParamBinder[] fastBinders,
      PathTemplate template, String[] pathValues) {
    Object[] args = new Object[fastBinders.length];
    for (int i = 0; i < args.length; i++) {
      args[i] = fastBinders[i].bind(request, template, pathValues);
    }
    return args;
  }

  private Object[] bind(RoutingContext ctx) {
    ParamBinder[] b = binders;
    Object[] args = new Object[b.length];
    for (int i = 0; i < b.length; i++) {
      args[i] = b[i].bind(ctx);
    }
    return args;
  }

  private void write(RoutingContext ctx, Object value) {
    if (ctx.response().closed()) {
      // The client left before the result arrived: a stream nobody will pull must still close.
      StreamResponse.discard(value);
      return;
    }
    try {
      writer.write(ctx, value);
    } catch (Exception e) {
      Errors.handle(ctx, e);
    }
  }

  /**
   * Counts requests in flight, records their metrics when they end, and turns new requests away
   * while the server drains. Immutable and thread-safe. A {@link PlatformHandler}, because on a
   * route that reads the body it runs before the {@code BodyHandler}, and vertx-web refuses a
   * body handler after a plain user handler.
   */
  static final class Tracking implements PlatformHandler {
    private final Lifecycle lifecycle;
    private final HttpMetrics.RouteMeter meter;
    private final boolean probe;

    Tracking(Lifecycle lifecycle, HttpMetrics.RouteMeter meter, boolean probe) {
      this.lifecycle = lifecycle;
      this.meter = meter;
      this.probe = probe;
    }

    /**
     * As {@link #begin}, for a request served without the router: the response's own end and
     * close handlers (vertx-web is not involved) report its end, once.
     */
    boolean beginFast(HttpServerRequest request) {
      long start = System.nanoTime();
      if (lifecycle != null) {
        lifecycle.begin();
      }
      HttpServerResponse response = request.response();
      Handler<Void> ended = new Handler<>() {
        private boolean fired;

        @Override
        public void handle(Void v) {
          if (!fired) {
            fired = true;
            if (lifecycle != null) {
              lifecycle.end();
            }
            meter.record(response.getStatusCode(), System.nanoTime() - start);
          }
        }
      };
      response.endHandler(ended).closeHandler(ended);
      if (lifecycle != null && lifecycle.state() == dev.bulwark.web.ServerState.DRAINING) {
        response.putHeader(HttpHeaders.RETRY_AFTER, "1");
        boolean http1 = request.version() != HttpVersion.HTTP_2;
        if (http1) {
          response.putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
        }
        Errors.send(response, 503, "server is draining, retry on another instance");
        if (http1) {
          request.connection().shutdown();
        }
        return false;
      }
      return true;
    }

    /** Starts tracking; false when the request was answered already (draining). */
    boolean begin(RoutingContext ctx) {
      long start = System.nanoTime();
      if (lifecycle != null) {
        lifecycle.begin();
      }
      ctx.addEndHandler(ar -> {
        if (lifecycle != null) {
          lifecycle.end();
        }
        meter.record(ctx.response().getStatusCode(), System.nanoTime() - start);
      });
      if (!probe && lifecycle != null && lifecycle.state() == dev.bulwark.web.ServerState.DRAINING) {
        ctx.response().putHeader(HttpHeaders.RETRY_AFTER, "1");
        // HTTP/2 forbids connection headers, and closing would cut the connection's other streams.
        boolean http1 = ctx.request().version() != HttpVersion.HTTP_2;
        if (http1) {
          ctx.response().putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
        }
        Errors.send(ctx, 503, "server is draining, retry on another instance");
        if (http1) {
          // Vert.x closes on its own only when the request asked for it, but a server that
          // answers "Connection: close" must close the connection (RFC 9112, section 9.6).
          ctx.request().connection().shutdown();
        }
        return false;
      }
      return true;
    }

    /** As the first handler of a route whose body is read before the invoking handler runs. */
    @Override
    public void handle(RoutingContext ctx) {
      if (begin(ctx)) {
        ctx.next();
      }
    }
  }
}
