package dev.bulwark.examples.shop;

import dev.bulwark.tasks.TaskQueue;
import dev.bulwark.web.StaticAssets;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live ops page, mounted only with {@code --ops}: {@code GET /ops} (a static page, its script
 * and stylesheet fingerprinted under {@code /ops/static/}), {@code GET /ops/api/state} (an
 * {@link OpsState} snapshot the page polls every two seconds), and
 * {@code POST /ops/api/queues/{queue}/tasks/{id}/retry} and {@code .../discard} on a dead task
 * (200 with {@code {"id","queue","action"}}; 404 when the queue or task is unknown; 409 when the
 * task is not dead). {@code POST /ops/api/tasks/{id}/retry} and {@code .../discard} name the
 * shop's own queue. Every answer under {@code /ops} is {@code no-store}; errors are JSON
 * {@code {"error": "..."}}; a refused client gets 403 (see {@link OpsAccess}).
 *
 * <p>These are routes mounted on vertx-web: no admission control or drain refusal, so the page
 * keeps answering while the worker pools shed load, which is when it is needed. Every handler runs
 * on the event loop and never blocks. Thread-safe.
 */
final class OpsRoutes {

  /** The classpath folder of the page's files. */
  static final String ASSETS_FOLDER = "ops";
  /** The URL prefix of the page's files. */
  static final String ASSETS_PREFIX = "/ops/static";

  private static final Logger LOG = LoggerFactory.getLogger(OpsRoutes.class);
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  private static final Pattern QUEUE = Pattern.compile("[A-Za-z0-9_.:-]{1,100}");

  private final OpsAccess access;
  private final OpsState state;
  private final StaticAssets assets;
  private final String page;

  OpsRoutes(OpsAccess access, OpsState state, StaticAssets assets) {
    this.access = access;
    this.state = state;
    this.assets = assets;
    this.page = page(assets, access.tokenRequired());
  }

  /** Adds the guard, the page, its files and the API to {@code router}. */
  void mountOn(Router router) {
    // "/ops/*" matches "/ops" itself too.
    router.route("/ops/*").handler(this::guard);
    router.route("/ops").method(HttpMethod.GET).method(HttpMethod.HEAD)
        .handler(ctx -> answer(ctx, 200, "text/html; charset=utf-8", page));
    router.get("/ops/").handler(ctx -> ctx.redirect("/ops"));
    assets.mountOn(router);
    router.route("/ops/api/state").method(HttpMethod.GET).method(HttpMethod.HEAD).handler(this::state);
    router.post("/ops/api/queues/:queue/tasks/:id/:action").handler(ctx ->
        act(ctx, ctx.pathParam("queue"), ctx.pathParam("id"), ctx.pathParam("action")));
    router.post("/ops/api/tasks/:id/:action").handler(ctx ->
        act(ctx, state.queues().get(0).name(), ctx.pathParam("id"), ctx.pathParam("action")));
    router.route("/ops/*").handler(ctx -> error(ctx, 404, "no ops resource " + ctx.request().path()));
  }

  private void guard(RoutingContext ctx) {
    String path = ctx.request().path();
    boolean api = path.startsWith("/ops/api/") || path.equals("/ops/api");
    String refused = api ? access.refuseApi(ctx.request()) : access.refusePage(ctx.request());
    if (refused != null) {
      LOG.info("ops: refused {} {} from {}: {}", ctx.request().method(), path,
          ctx.request().remoteAddress(), refused);
      error(ctx, 403, refused);
      return;
    }
    // The page and its answers are live state: never stored, never framed by another site.
    ctx.response()
        .putHeader("Cache-Control", "no-store")
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; "
            + "base-uri 'none'; form-action 'none'");
    if (path.startsWith(ASSETS_PREFIX + "/")) {
      // Fingerprinted files may be kept; StaticAssets sets their Cache-Control itself.
      ctx.response().headers().remove("Cache-Control");
    }
    ctx.next();
  }

  private void state(RoutingContext ctx) {
    state.snapshot().onComplete(ar -> {
      if (ar.failed()) {
        LOG.warn("ops: state unavailable: {}", ar.cause().toString());
        error(ctx, 503, "state unavailable: " + ar.cause().getMessage());
        return;
      }
      json(ctx, 200, Json.encode(ar.result()));
    });
  }

  private void act(RoutingContext ctx, String queueName, String id, String action) {
    if (!action.equals("retry") && !action.equals("discard")) {
      error(ctx, 404, "no ops action '" + action + "' (retry or discard)");
      return;
    }
    TaskQueue queue = QUEUE.matcher(queueName).matches() ? state.queue(queueName) : null;
    if (queue == null) {
      error(ctx, 404, "task queue " + queueName + " not found");
      return;
    }
    if (!ID.matcher(id).matches()) {
      error(ctx, 404, "task " + id + " not found");
      return;
    }
    Future<Boolean> done = action.equals("retry") ? queue.retryDead(id) : queue.discardDead(id);
    done.compose(changed -> changed ? Future.succeededFuture(200)
            : queue.status(id).map(s -> s.isEmpty() ? 404 : 409))
        .onComplete(ar -> {
          if (ar.failed()) {
            error(ctx, 503, action + " failed: " + ar.cause().getMessage());
          } else if (ar.result() == 404) {
            error(ctx, 404, "task " + id + " not found");
          } else if (ar.result() == 409) {
            error(ctx, 409, "task " + id + " is not dead");
          } else {
            LOG.info("ops: {} dead task {} of queue {}", action, id, queue.name());
            json(ctx, 200, new JsonObject().put("id", id).put("queue", queue.name())
                .put("action", action.equals("retry") ? "retried" : "discarded").encode());
          }
        });
  }

  private static void json(RoutingContext ctx, int status, String body) {
    answer(ctx, status, "application/json", body);
  }

  /** Ends the response; a HEAD request gets the headers alone (vertx-web would send the body). */
  private static void answer(RoutingContext ctx, int status, String contentType, String body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", contentType);
    if (ctx.request().method() == HttpMethod.HEAD) {
      ctx.response().end();
    } else {
      ctx.response().end(body);
    }
  }

  private static void error(RoutingContext ctx, int status, String message) {
    ctx.response().putHeader("Cache-Control", "no-store");
    json(ctx, status, new JsonObject().put("error", message).encode());
  }

  private static String page(StaticAssets assets, boolean tokenRequired) {
    return "<!doctype html>\n"
        + "<html lang=\"en\">\n"
        + "<head>\n"
        + "  <meta charset=\"utf-8\">\n"
        + "  <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        + "  <title>Bulwark shop: ops</title>\n"
        + "  <link rel=\"stylesheet\" href=\"" + assets.url("ops.css") + "\">\n"
        + "  <script defer src=\"" + assets.url("ops.js") + "\"></script>\n"
        + "</head>\n"
        + "<body data-token-required=\"" + tokenRequired + "\">\n"
        + "  <header><h1>Bulwark shop: ops</h1><p id=\"status\" role=\"status\">connecting\u2026</p></header>\n"
        + "  <p id=\"notice\" role=\"alert\"></p>\n"
        + "  <main>\n"
        + "    <section><h2>Worker pools</h2><table id=\"pools\"></table></section>\n"
        + "    <section><h2>Database pools</h2><table id=\"databases\"></table></section>\n"
        + "    <section><h2>Caches</h2><p id=\"cache-health\"></p><table id=\"caches\"></table></section>\n"
        + "    <section><h2>Task queues</h2><table id=\"queues\"></table>\n"
        + "      <p class=\"note\">succeeded, failed (attempts) and dead total: this process, since it"
        + " started; dead now: the dead-letter list.</p>\n"
        + "      <h3>Dead tasks</h3><p id=\"dead-empty\">none</p><table id=\"dead\"></table></section>\n"
        + "  </main>\n"
        + "</body>\n"
        + "</html>\n";
  }
}
