package dev.bulwark.web.impl;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The compiled front of a {@code BulwarkServer}: finds a request's route without vertx-web and
 * hands it to the {@link Pipeline}; whatever it does not serve goes on to the fallback router
 * (the same plans mounted by {@link RouterFront}, the probes, and the JSON 404/405 answers).
 *
 * <p>Design note. Built once per event loop from the plans that need nothing of vertx-web (no
 * body, no {@code RoutingContext} parameter; see {@link RoutePlan#tableServes}): exact paths first,
 * found among the few of the request path's length by comparing the strings (no hash of the
 * request's fresh path string), then templates whose parameters fill whole segments, each matched
 * in turn. A
 * literal always wins over a template (it is looked up first here and mounted first on the
 * router). A template that another template of its method could also match, or that a probe
 * path could match, is left to the router, whose order then decides; a path the router might
 * read differently (a {@code %} escape, an empty, {@code .} or {@code ..} segment, a trailing
 * slash) never matches here. So both fronts give every request the same answer, and the table
 * only makes it cheaper. HEAD is served by the GET plan. Immutable after construction; runs on
 * its event loop.
 */
final class RouteTable implements Handler<HttpServerRequest> {

  private static final String[] NONE = new String[0];

  /** Exact paths by their length; an index past the end or a null slot: none of that length. */
  private final ExactPath[][] exactByLength;
  private final PathTemplate[] templates;
  private final Map<HttpMethod, RoutePlan>[] byTemplate;
  private final Handler<HttpServerRequest> fallback;
  private final Lifecycle lifecycle;

  @SuppressWarnings("unchecked")
  RouteTable(List<RoutePlan> plans, Handler<HttpServerRequest> fallback, Lifecycle lifecycle) {
    this.fallback = fallback;
    this.lifecycle = lifecycle;
    Map<String, Map<HttpMethod, RoutePlan>> exact = new LinkedHashMap<>();
    Map<String, Map<HttpMethod, RoutePlan>> templated = new LinkedHashMap<>();
    Map<String, PathTemplate> parsed = new HashMap<>();
    for (RoutePlan plan : plans) {
      if (!plan.tableServes()) {
        continue;
      }
      PathTemplate t = plan.compiled();
      if (!t.hasParameters()) {
        if (!Probes.PATHS.contains(plan.template())) {
          exact.computeIfAbsent(plan.template(), k -> new HashMap<>(4)).put(plan.method(), plan);
        }
      } else if (plans.stream().noneMatch(other -> other != plan
          && other.method().equals(plan.method())
          && other.pathNames().length > 0
          && PathTemplate.overlap(other.template(), plan.template()))
          && !(plan.method().equals(HttpMethod.GET)
              && Probes.PATHS.stream().anyMatch(p -> PathTemplate.overlap(p, plan.template())))) {
        templated.computeIfAbsent(plan.template(), k -> new HashMap<>(4)).put(plan.method(), plan);
        parsed.put(plan.template(), t);
      }
    }
    List<PathTemplate> ts = new ArrayList<>();
    for (String template : templated.keySet()) {
      ts.add(parsed.get(template));
    }
    this.templates = ts.toArray(new PathTemplate[0]);
    this.byTemplate = templated.values().toArray(new Map[0]);
    this.exactByLength = byLength(exact);
  }

  /** One exact path and its plans by method. */
  private record ExactPath(String path, Map<HttpMethod, RoutePlan> byMethod) {
  }

  private static ExactPath[][] byLength(Map<String, Map<HttpMethod, RoutePlan>> exact) {
    int longest = exact.keySet().stream().mapToInt(String::length).max().orElse(-1);
    ExactPath[][] table = new ExactPath[longest + 1][];
    exact.forEach((path, byMethod) -> {
      ExactPath[] same = table[path.length()];
      same = same == null ? new ExactPath[1] : Arrays.copyOf(same, same.length + 1);
      same[same.length - 1] = new ExactPath(path, byMethod);
      table[path.length()] = same;
    });
    return table;
  }

  /** The plans of the exact path {@code path}, or {@code null}. */
  private Map<HttpMethod, RoutePlan> exact(String path) {
    int length = path.length();
    if (length >= exactByLength.length) {
      return null;
    }
    ExactPath[] same = exactByLength[length];
    if (same != null) {
      for (ExactPath e : same) {
        if (e.path.equals(path)) {
          return e.byMethod;
        }
      }
    }
    return null;
  }

  @Override
  public void handle(HttpServerRequest request) {
    String path = request.path();
    HttpMethod method = request.method();
    if (method == HttpMethod.HEAD) {
      method = HttpMethod.GET;
    }
    Map<HttpMethod, RoutePlan> byMethod = exact(path);
    if (byMethod != null) {
      RoutePlan plan = byMethod.get(method);
      if (plan != null) {
        // Tells Vert.x's metrics SPI (the access log, vertx-micrometer) the route, as vertx-web does.
        request.routed(plan.template());
        Pipeline.serve(new Exchange(plan, request, NONE, null, lifecycle));
        return;
      }
    }
    for (int i = 0; i < templates.length; i++) {
      String[] values = templates[i].match(path);
      if (values != null) {
        RoutePlan plan = byTemplate[i].get(method);
        if (plan != null) {
          request.routed(plan.template());
          Pipeline.serve(new Exchange(plan, request, values, null, lifecycle));
          return;
        }
      }
    }
    fallback.handle(request);
  }
}
