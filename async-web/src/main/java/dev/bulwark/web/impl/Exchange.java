package dev.bulwark.web.impl;

import dev.bulwark.web.HttpException;
import dev.bulwark.web.ServerState;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;

/**
 * One request on its way through the {@link Pipeline}: the request and its response, the path
 * values in template order, the body once read, the routing context when the vertx-web front
 * delivered it, and the tracking (in-flight count, start time, the status finally recorded).
 *
 * <p>Implementation note. An exchange is the only object the pipeline allocates per request
 * besides the argument array (and, on a worker route, the promise of {@link #gone()}); it is its own end handler, its own {@link ResultWriter.Sink} and
 * its own {@link Pipeline.Outcome}, so
 * the fronts and stages add no lambdas on the common path. Confined to the request's event loop,
 * except that a worker may read {@link #body()} and {@link #header} for a route whose JSON body is
 * parsed on the worker: both are set before the task is submitted (the pool's hand-off publishes
 * them) and never change afterwards. Not thread-safe otherwise.
 */
final class Exchange implements Handler<Void>, ResultWriter.Sink, Pipeline.Outcome {

  private final RoutePlan plan;
  private final HttpServerRequest request;
  private final HttpServerResponse response;
  private final String[] pathValues;
  private final RoutingContext context;
  private final Lifecycle lifecycle;
  private final boolean head;
  private Buffer body;
  private MultiMap query;
  private long start;
  private boolean tracked;
  private boolean dispatching;
  private boolean finished;
  private Runnable onClientGone;
  private Promise<Void> gone;
  private boolean left;

  /**
   * @param pathValues the template's parameter values in {@link RoutePlan#pathNames()} order
   * @param context the routing context (vertx-web front), or {@code null} (route table)
   * @param lifecycle the server's lifecycle, or {@code null} on a user's router
   */
  Exchange(RoutePlan plan, HttpServerRequest request, String[] pathValues, RoutingContext context,
      Lifecycle lifecycle) {
    this.plan = plan;
    this.request = request;
    this.response = request.response();
    this.pathValues = pathValues;
    this.context = context;
    this.lifecycle = lifecycle;
    this.head = request.method() == HttpMethod.HEAD;
  }

  RoutePlan plan() {
    return plan;
  }

  HttpServerRequest request() {
    return request;
  }

  HttpServerResponse response() {
    return response;
  }

  /** The routing context when the vertx-web front delivered the request, else {@code null}. */
  RoutingContext context() {
    return context;
  }

  /** Whether this is a HEAD request served by a GET route: headers only. */
  boolean head() {
    return head;
  }

  String pathValue(int index) {
    return pathValues[index];
  }

  /** A query parameter's first value; a malformed query string is a 400. */
  String query(String name) {
    return queryParams().get(name);
  }

  /** The decoded query parameters; a malformed query string (a bad {@code %} escape) is a 400. */
  MultiMap queryParams() {
    MultiMap q = query;
    if (q == null) {
      try {
        q = context != null ? context.queryParams() : request.params();
      } catch (IllegalArgumentException e) {
        throw HttpException.badRequest("malformed query string: " + Errors.clip(e.getMessage()));
      }
      query = q;
    }
    return q;
  }

  String header(CharSequence name) {
    return request.getHeader(name);
  }

  /** The request body read before binding, or {@code null} when the route reads none. */
  Buffer body() {
    return body;
  }

  void body(Buffer body) {
    this.body = body;
  }

  /**
   * Admission: starts tracking (in flight, start time, the end handler that records the status)
   * and, while the server drains, answers 503 at once. False when the request was answered.
   */
  boolean admit() {
    start = ReadClock.now();
    tracked = true;
    if (lifecycle != null) {
      lifecycle.begin();
    }
    if (context != null) {
      // vertx-web owns the response's end and close handlers; its end handlers report both.
      context.addEndHandler(ar -> handle(null));
    }
    // On the route table, Pipeline.serve calls dispatched() when the dispatch returns.
    if (lifecycle != null && lifecycle.refusing()) {
      refuse(request);
      return false;
    }
    return true;
  }

  /**
   * The route table's dispatch of this request returned: its end is recorded now when the response
   * ended (or its connection closed) within the dispatch, as an answer on the event loop, a cache
   * hit, a 304 or an error does; otherwise end and close handlers are set to record it when it
   * happens. Setting them only for a response still open saves two of the response's locks per
   * request answered at once. No end can slip between the check and the handlers: a response of
   * this request ends, and its connection closes, only on this event loop, which is running this
   * call (the second check covers a handler that wrote from elsewhere all the same).
   */
  void dispatched() {
    dispatching = false;
    if (context != null || !tracked || finished) {
      return;
    }
    boolean ended = response.ended();
    if (!ended && !response.closed()) {
      response.endHandler(this).closeHandler(this);
      ended = response.ended();
      if (!ended && !response.closed()) {
        return;
      }
    }
    finish(ended);
  }

  /**
   * The route table is running this request's dispatch on its event loop: its response can
   * neither have ended nor lost its connection yet (the handler has no hold of it, and a close is
   * handled by this loop after the dispatch), so the writing stage need not ask (two of the
   * response's locks). Set by {@link Pipeline#serve}, cleared by {@link #dispatched}.
   */
  boolean dispatching() {
    return dispatching;
  }

  void dispatching(boolean dispatching) {
    this.dispatching = dispatching;
  }

  /**
   * Answers a request that a draining server will not serve: 503, {@code Retry-After: 1} and, on
   * HTTP/1, {@code Connection: close} and the connection closed after the answer.
   */
  static void refuse(HttpServerRequest request) {
    HttpServerResponse response = request.response();
    response.putHeader(HttpHeaders.RETRY_AFTER, "1");
    // HTTP/2 forbids connection headers, and closing would cut the connection's other streams.
    if (request.version() != HttpVersion.HTTP_2) {
      // A server that answers "Connection: close" must close (RFC 9112, section 9.6).
      response.putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
      request.connection().shutdown();
    }
    Errors.send(response, 503, "server is draining, retry on another instance");
  }

  /** The server's lifecycle, or {@code null} on a user's router. */
  Lifecycle lifecycle() {
    return lifecycle;
  }

  /** Called when a streamed response's client leaves before its end. */
  void onClientGone(Runnable action) {
    this.onClientGone = action;
  }

  /**
   * A future that completes when the client leaves before its response ended (at once if it
   * already has), and never otherwise. Created on first use: only worker routes ask for it.
   */
  Future<Void> gone() {
    if (left) {
      return Future.succeededFuture();
    }
    if (gone == null) {
      gone = Promise.promise();
    }
    return gone.future();
  }

  /** The response ended or the connection closed: record it once (end and close both call). */
  @Override
  public void handle(Void ignored) {
    if (finished || !tracked) {
      return;
    }
    finish(response.ended());
  }

  private void finish(boolean ended) {
    finished = true;
    if (lifecycle != null) {
      lifecycle.end();
    }
    if (!ended) {
      clientGone();
      if (FramingCheck.answeredBrokenBody(request.connection())) {
        return; // answered 400 below Vert.x, and recorded there (route refused)
      }
    }
    plan.meter().record(ended ? response.getStatusCode() : HttpMetrics.CLIENT_CLOSED,
        System.nanoTime() - start);
  }

  private void clientGone() {
    left = true;
    Runnable action = onClientGone;
    onClientGone = null;
    if (action != null) {
      action.run();
    }
    Promise<Void> g = gone;
    if (g != null) {
      g.tryComplete();
    }
  }

  /** Answers {@code failure} as JSON, if the response can still be answered. */
  void fail(Throwable failure) {
    Errors.handle(request, failure);
  }

  // Pipeline.Outcome: an uncached invocation's result goes on to encoding and writing.

  @Override
  public void value(Object value) {
    Pipeline.write(this, value);
  }

  @Override
  public void failure(Throwable failure) {
    fail(failure);
  }

  // ResultWriter.Sink: the encoding stage writes straight into the response.

  @Override
  public void status(int status) {
    response.setStatusCode(status);
  }

  @Override
  public void header(CharSequence name, CharSequence value) {
    response.headers().add(name, value);
  }

  @Override
  public boolean hasHeader(CharSequence name) {
    return response.headers().contains(name);
  }

  @Override
  public void end(String text) {
    if (head) {
      endHead(Buffer.buffer(text).length());
    } else {
      response.end(text);
    }
  }

  @Override
  public void end(Buffer bytes) {
    if (head) {
      endHead(bytes.length());
    } else {
      response.end(bytes);
    }
  }

  /** HEAD: the length GET would send (RFC 9110, section 9.3.2), no body. */
  void endHead(int length) {
    response.putHeader(HttpHeaders.CONTENT_LENGTH, Integer.toString(length));
    response.end();
  }

  @Override
  public void end() {
    response.end();
  }
}
