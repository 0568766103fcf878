package dev.bulwark.web.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bulwark.cache.Cached;
import dev.bulwark.core.WorkerPool;
import dev.bulwark.web.Body;
import dev.bulwark.web.Get;
import dev.bulwark.web.NonBlocking;
import dev.bulwark.web.PathParam;
import dev.bulwark.web.Post;
import dev.bulwark.web.Put;
import dev.bulwark.web.QueryParam;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Planning is a pure function of the declaration: no server, no event loop, no request. Each
 * plan says which thread, which front, where a body is parsed and how a result is written.
 */
class RoutePlannerTest {

  private static WorkerPool pool;

  @BeforeAll
  static void createPool() {
    pool = WorkerPool.builder().name("default").maxConcurrency(1).build();
  }

  @AfterAll
  static void closePool() {
    pool.close(Duration.ofSeconds(1));
  }

  public record Item(String name) {
  }

  public static class Handlers {
    @Get("/async/{id}")
    public Future<String> async(@PathParam("id") long id, @QueryParam("q") String q) {
      return Future.succeededFuture("");
    }

    @Get("/blocking")
    public String blocking() {
      return "";
    }

    @Post("/json")
    public String json(@QueryParam("dry") boolean dry, @Body Item item) {
      return "";
    }

    @Post("/raw")
    public String raw(@Body String text) {
      return text;
    }

    @Post("/loop-json")
    @NonBlocking
    public String loopJson(@Body Item item) {
      return "";
    }

    @Get("/context")
    public String context(RoutingContext ctx) {
      return "";
    }

    @Get("/files/{name}.txt")
    public String file(@PathParam("name") String name) {
      return name;
    }

    @Get("/pairs/{b}/{a}")
    public String pair(@PathParam("a") String a, @PathParam("b") String b) {
      return a + b;
    }

    @Get("/rows")
    public Stream<String> rows() {
      return Stream.empty();
    }
  }

  public static class CachedPut {
    @Put("/things/{id}")
    @Cached(ttl = "60s")
    public String put(@PathParam("id") long id) {
      return "";
    }
  }

  public static class CachedBody {
    @Get("/things")
    @Cached(ttl = "60s")
    public String get(@Body String query) {
      return "";
    }
  }

  private static Map<String, RoutePlan> plan(Object handlers) {
    RoutePlanner planner = new RoutePlanner(Jackson.mapper(), Map.of("default", pool),
        new HttpMetrics(null), null, true);
    planner.plan(handlers);
    Map<String, RoutePlan> byTemplate = new java.util.HashMap<>();
    for (RoutePlan p : planner.routes()) {
      byTemplate.put(p.method() + " " + p.template(), p);
    }
    return byTemplate;
  }

  @Test
  void asyncRoute_runsOnTheLoop_andTheRouteTableServesIt() {
    RoutePlan p = plan(new Handlers()).get("GET /async/{id}");

    assertThat(p.pool()).isNull();
    assertThat(p.async()).isEqualTo(RoutePlan.Async.FUTURE);
    assertThat(p.tableServes()).isTrue();
    assertThat(p.readsBody()).isFalse();
    assertThat(p.writer()).isNotNull();
    assertThat(p.stream()).isNull();
    assertThat(p.cache()).isNull();
  }

  @Test
  void blockingRoute_runsOnTheDefaultPool() {
    RoutePlan p = plan(new Handlers()).get("GET /blocking");

    assertThat(p.pool()).isSameAs(pool);
    assertThat(p.async()).isEqualTo(RoutePlan.Async.NONE);
  }

  @Test
  void jsonBody_ofAWorkerRoute_isBoundOnTheWorker_andReadBeforeBinding() {
    Map<String, RoutePlan> plans = plan(new Handlers());

    RoutePlan json = plans.get("POST /json");
    assertThat(json.deferredBody()).isEqualTo(1);
    assertThat(json.readsBody()).isTrue();
    assertThat(json.tableServes()).isFalse();
    assertThat(plans.get("POST /raw").deferredBody()).isEqualTo(-1);
    assertThat(plans.get("POST /loop-json").deferredBody()).isEqualTo(-1);
  }

  @Test
  void routingContextRoute_isLeftToTheVertxWebFront() {
    RoutePlan p = plan(new Handlers()).get("GET /context");

    assertThat(p.usesContext()).isTrue();
    assertThat(p.tableServes()).isFalse();
  }

  @Test
  void partSegmentTemplate_isNotCompiled_andKeepsItsVertxPath() {
    RoutePlan p = plan(new Handlers()).get("GET /files/{name}.txt");

    assertThat(p.compiled()).isNull();
    assertThat(p.tableServes()).isFalse();
    assertThat(p.vertxPath()).isEqualTo("/files/:name.txt");
  }

  @Test
  void pathValues_travelInTemplateOrder_whateverTheParameterOrder() {
    RoutePlan p = plan(new Handlers()).get("GET /pairs/{b}/{a}");

    assertThat(p.pathNames()).containsExactly("b", "a");
    assertThat(p.compiled().match("/pairs/1/2")).containsExactly("1", "2");
    assertThat(p.method()).isEqualTo(HttpMethod.GET);
  }

  @Test
  void streamRoute_hasAStreamPlan_pulledOnTheDefaultPool() {
    RoutePlan p = plan(new Handlers()).get("GET /rows");

    assertThat(p.writer()).isNull();
    assertThat(p.stream()).isNotNull();
    assertThat(p.stream().pullPool()).isSameAs(pool);
    assertThat(p.stream().compress()).isTrue();
  }

  @Test
  void cachedPut_isRefused_namingTheMethodAndTheHttpMethod() {
    assertThatThrownBy(() -> plan(new CachedPut()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("CachedPut.put(long)")
        .hasMessageContaining("is @Cached but declares PUT");
  }

  @Test
  void cachedWithBody_isRefused_namingTheMethod() {
    assertThatThrownBy(() -> plan(new CachedBody()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("CachedBody.get(String)")
        .hasMessageContaining("@Body");
  }

  @Test
  void plans_areListedInDeclarationOrderOfTheirSortedMethods() {
    RoutePlanner planner = new RoutePlanner(Jackson.mapper(), Map.of("default", pool),
        new HttpMetrics(null), null, true);
    planner.plan(new Handlers());

    List<String> names = planner.routes().stream().map(RoutePlan::description).toList();
    assertThat(names).hasSize(9).isSorted();
  }
}
