package dev.bulwark.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bulwark.cache.Cached;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every mistake in a handler declaration fails {@code server.handler(obj)} at start with an
 * {@link IllegalArgumentException} that names the method and the problem, never at request time.
 */
@ExtendWith(VertxExtension.class)
class DeclarationErrorsTest {

  private static Vertx vertx;
  private static TestServer started;

  @BeforeAll
  static void start(Vertx v) {
    vertx = v;
    started = TestServer.start(v, new Fine());
  }

  @AfterAll
  static void stop() {
    started.close();
  }

  private static BulwarkServer newServer() {
    return BulwarkServer.create(vertx, ServerOptions.builder().port(0).host("127.0.0.1")
        .eventLoops(1).drainGrace(Duration.ZERO).build());
  }

  public static class Fine {
    @Get("/fine")
    public String fine() {
      return "fine";
    }
  }

  public static class Unannotated {
    @Get("/a")
    public String m(int x) {
      return "" + x;
    }
  }

  public static class MissingSegment {
    @Get("/items/{id}")
    public String m(@PathParam("itemId") long id) {
      return "" + id;
    }
  }

  public static class FirstRoute {
    @Get("/dup/{id}")
    public String m(@PathParam("id") String id) {
      return id;
    }
  }

  public static class SameShape {
    @Get("/dup/{key}")
    public String m(@PathParam("key") String key) {
      return key;
    }
  }

  public static class UnknownPool {
    @Blocking("nope")
    @Get("/a")
    public String m() {
      return "";
    }
  }

  public static class BothThreads {
    @Blocking
    @NonBlocking
    @Get("/a")
    public String m() {
      return "";
    }
  }

  @Blocking
  @NonBlocking
  public static class BothThreadsOnClass {
    @Get("/a")
    public String m() {
      return "";
    }
  }

  public static class BadDefault {
    @Get("/a")
    public String m(@QueryParam(value = "n", defaultValue = "abc") int n) {
      return "" + n;
    }
  }

  public static class DefaultOutOfRange {
    @Get("/a")
    public String m(@QueryParam(value = "n", defaultValue = "50") @Range(max = 10) int n) {
      return "" + n;
    }
  }

  public static class UnsupportedType {
    @Get("/a")
    public String m(@QueryParam("d") Duration d) {
      return "" + d;
    }
  }

  public static class NoRoutes {
    public String m() {
      return "";
    }
  }

  public static class TwoBodies {
    @Post("/a")
    public String m(@Body String a, @Body String b) {
      return a + b;
    }
  }

  public static class TwoRouteAnnotations {
    @Get("/a")
    @Post("/a")
    public String m() {
      return "";
    }
  }

  public static class BadTemplate {
    @Get("items")
    public String m() {
      return "";
    }
  }

  public static class RepeatedSegment {
    @Get("/a/{id}/{id}")
    public String m(@PathParam("id") String id) {
      return id;
    }
  }

  public static class InvertedRange {
    @Get("/a")
    public String m(@QueryParam("n") @Range(min = 5, max = 1) int n) {
      return "" + n;
    }
  }

  public static class TwoSources {
    @Get("/a")
    public String m(@QueryParam("n") @HeaderParam("n") String n) {
      return n;
    }
  }

  public static class StaticHandler {
    @Get("/a")
    public static String m() {
      return "";
    }
  }

  public static class UnknownPoolOnLoopResult {
    @Blocking("nope")
    @Get("/a")
    public Future<String> m() {
      return Future.succeededFuture("");
    }
  }

  public static class NotFoundWithoutCached {
    @Get("/a")
    @CachedNotFound(ttl = "10s")
    public String m() {
      return "";
    }
  }

  public static class NotFoundBadTtl {
    @Get("/a")
    @Cached(ttl = "60s")
    @CachedNotFound(ttl = "soon")
    public String m() {
      return "";
    }
  }

  public static class NotFoundZeroTtl {
    @Get("/a")
    @Cached(ttl = "60s")
    @CachedNotFound(ttl = "0s")
    public String m() {
      return "";
    }
  }

  public static class NotFoundNegativeTtl {
    @Get("/a")
    @Cached(ttl = "60s")
    @CachedNotFound(ttl = "-5s")
    public String m() {
      return "";
    }
  }

  public static class NotFoundOutlivesFound {
    @Get("/a")
    @Cached(ttl = "60s")
    @CachedNotFound(ttl = "2m")
    public String m() {
      return "";
    }
  }

  public static class NotFoundAsLongAsFound {
    @Get("/not-found-as-long-as-found")
    @Cached(ttl = "60s")
    @CachedNotFound(ttl = "1m")
    public String m() {
      return "";
    }
  }

  static Stream<Arguments> mistakes() {
    return Stream.of(
        Arguments.of(List.of(new Unannotated()), "Unannotated.m(int)",
            "has no @PathParam, @QueryParam, @HeaderParam or @Body annotation"),
        Arguments.of(List.of(new MissingSegment()), "MissingSegment.m(long)",
            "@PathParam(\"itemId\") but the path template has no {itemId}"),
        Arguments.of(List.of(new FirstRoute(), new SameShape()), "SameShape.m(String)",
            "declares GET /dup/{key}, already declared by FirstRoute.m(String)"),
        Arguments.of(List.of(new UnknownPool()), "UnknownPool.m()",
            "runs on worker pool 'nope', which is not configured"),
        Arguments.of(List.of(new UnknownPoolOnLoopResult()), "UnknownPoolOnLoopResult.m()",
            "runs on worker pool 'nope', which is not configured"),
        Arguments.of(List.of(new BothThreads()), "BothThreads.m()",
            "both @Blocking and @NonBlocking"),
        Arguments.of(List.of(new BothThreadsOnClass()), "BothThreadsOnClass.m()",
            "both @Blocking and @NonBlocking"),
        Arguments.of(List.of(new BadDefault()), "BadDefault.m(int)",
            "bad default value: query parameter 'n' must be an integer, but was 'abc'"),
        Arguments.of(List.of(new DefaultOutOfRange()), "DefaultOutOfRange.m(int)",
            "bad default value: query parameter 'n' must be <= 10, but was 50"),
        Arguments.of(List.of(new UnsupportedType()), "UnsupportedType.m(Duration)",
            "unsupported type java.time.Duration"),
        Arguments.of(List.of(new NoRoutes()), NoRoutes.class.getName(),
            "has no public method annotated @Get, @Post, @Put, @Delete or @Patch"),
        Arguments.of(List.of(new TwoBodies()), "TwoBodies.m(String, String)",
            "more than one @Body parameter"),
        Arguments.of(List.of(new TwoRouteAnnotations()), "TwoRouteAnnotations.m()",
            "more than one route annotation"),
        Arguments.of(List.of(new BadTemplate()), "BadTemplate.m()", "path template 'items'"),
        Arguments.of(List.of(new RepeatedSegment()), "RepeatedSegment.m(String)", "naming {id} twice"),
        Arguments.of(List.of(new InvertedRange()), "InvertedRange.m(int)", "@Range min 5 > max 1"),
        Arguments.of(List.of(new TwoSources()), "TwoSources.m(String)",
            "more than one of @PathParam, @QueryParam, @HeaderParam"),
        Arguments.of(List.of(new StaticHandler()), "StaticHandler.m()", "is static"),
        Arguments.of(List.of(new NotFoundWithoutCached()), "NotFoundWithoutCached.m()",
            "has @CachedNotFound without @Cached"),
        Arguments.of(List.of(new NotFoundBadTtl()), "NotFoundBadTtl.m()",
            "has a bad @CachedNotFound: @CachedNotFound(ttl) must be a duration such as 200ms, 5s or 2m, "
                + "but was 'soon'"),
        Arguments.of(List.of(new NotFoundZeroTtl()), "NotFoundZeroTtl.m()",
            "has a bad @CachedNotFound: @CachedNotFound(ttl) must be > 0, but was '0s'"),
        Arguments.of(List.of(new NotFoundNegativeTtl()), "NotFoundNegativeTtl.m()",
            "has a bad @CachedNotFound: @CachedNotFound(ttl) must be a duration such as 200ms, 5s or 2m, "
                + "but was '-5s'"),
        Arguments.of(List.of(new NotFoundOutlivesFound()), "NotFoundOutlivesFound.m()",
            "has a bad @CachedNotFound: @CachedNotFound(ttl) must be at most @Cached(ttl) '60s' "
                + "(a negative answer must not outlive a positive one), but was '2m'"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("mistakes")
  void badDeclaration_failsAtHandlerNamingTheMethod(List<Object> handlers, String method,
      String problem) {
    BulwarkServer server = newServer();
    for (Object h : handlers.subList(0, handlers.size() - 1)) {
      server.handler(h);
    }
    Object last = handlers.get(handlers.size() - 1);

    assertThatThrownBy(() -> server.handler(last))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(method)
        .hasMessageContaining(problem);
  }

  @Test
  void nullHandler_isRefused() {
    assertThatThrownBy(() -> newServer().handler(null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("handler must not be null");
  }

  @Test
  void sameTemplateWithAnotherMethod_isNotADuplicate() {
    BulwarkServer server = newServer().handler(new FirstRoute());

    assertThatCode(() -> server.handler(new Object() {
      @Post("/dup/{other}")
      public String m(@PathParam("other") String other) {
        return other;
      }
    })).doesNotThrowAnyException();
  }

  @Test
  void notFoundTtlEqualToTheRoutes_isAccepted() {
    assertThatCode(() -> newServer().handler(new NotFoundAsLongAsFound())).doesNotThrowAnyException();
  }

  @Test
  void handlerAfterStart_isRefused() {
    assertThatThrownBy(() -> started.server().handler(new Fine()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("before start()");
  }

  @Test
  void secondStart_fails() {
    Future<BulwarkServer> again = started.server().start();

    assertThat(again.failed()).isTrue();
    assertThat(again.cause()).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("start() was called already");
    assertThat(started.get("/fine").body()).isEqualTo("fine");
  }
}
