package dev.bulwark.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The threading rule, observed through the name of the thread each handler ran on: synchronous
 * results on a worker pool, asynchronous ones on the event loop, {@code @Blocking} and
 * {@code @NonBlocking} overriding it on the method or the class, named pools as bulkheads.
 */
@ExtendWith(VertxExtension.class)
class ThreadingRuleTest {

  private static final String DEFAULT_POOL = "bulwark-default-\\d+";
  private static final String REPORTS_POOL = "bulwark-reports-\\d+";
  private static final String EVENT_LOOP = "vert\\.x-eventloop-thread-\\d+";

  private static TestServer server;

  @BeforeAll
  static void start(Vertx vertx) {
    server = TestServer.start(vertx, o -> o.workerPool("reports", b -> b.maxConcurrency(2)),
        new Threads(), new ReportHandlers(), new LoopHandlers());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static String thread() {
    return Thread.currentThread().getName();
  }

  public static class Threads {

    @Get("/t/string")
    public String string() {
      return thread();
    }

    @Get("/t/response")
    public Response<String> response() {
      return Response.ok(thread());
    }

    @Get("/t/future")
    public Future<String> future() {
      return Future.succeededFuture(thread());
    }

    @Get("/t/stage")
    public CompletionStage<String> stage() {
      return CompletableFuture.completedFuture(thread());
    }

    @NonBlocking
    @Get("/t/nonblocking")
    public String nonBlocking() {
      return thread();
    }

    @Blocking
    @Get("/t/blocking-future")
    public Future<String> blockingFuture() {
      return Future.succeededFuture(thread());
    }

    @Blocking("reports")
    @Get("/t/reports")
    public String reports() {
      return thread();
    }

    @Blocking("reports")
    @Get("/t/reports-stage")
    public CompletionStage<String> reportsStage() {
      return CompletableFuture.completedFuture(thread());
    }
  }

  @Blocking("reports")
  public static class ReportHandlers {

    @Get("/class-blocking/future")
    public Future<String> future() {
      return Future.succeededFuture(thread());
    }

    @NonBlocking
    @Get("/class-blocking/nonblocking")
    public String nonBlocking() {
      return thread();
    }

    @Blocking
    @Get("/class-blocking/default")
    public String defaultPool() {
      return thread();
    }
  }

  @NonBlocking
  public static class LoopHandlers {

    @Get("/class-nonblocking/string")
    public String string() {
      return thread();
    }

    @Blocking
    @Get("/class-nonblocking/blocking")
    public String blocking() {
      return thread();
    }
  }

  static Stream<Arguments> routes() {
    return Stream.of(
        Arguments.of("/t/string", DEFAULT_POOL),
        Arguments.of("/t/response", DEFAULT_POOL),
        Arguments.of("/t/future", EVENT_LOOP),
        Arguments.of("/t/stage", EVENT_LOOP),
        Arguments.of("/t/nonblocking", EVENT_LOOP),
        Arguments.of("/t/blocking-future", DEFAULT_POOL),
        Arguments.of("/t/reports", REPORTS_POOL),
        Arguments.of("/t/reports-stage", REPORTS_POOL),
        Arguments.of("/class-blocking/future", REPORTS_POOL),
        Arguments.of("/class-blocking/nonblocking", EVENT_LOOP),
        Arguments.of("/class-blocking/default", DEFAULT_POOL),
        Arguments.of("/class-nonblocking/string", EVENT_LOOP),
        Arguments.of("/class-nonblocking/blocking", DEFAULT_POOL));
  }

  @ParameterizedTest(name = "{0} runs on {1}")
  @MethodSource("routes")
  void handler_runsOnTheThreadTheRuleChooses(String path, String threadPattern) {
    HttpResponse<String> response = server.get(path);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.body()).matches(threadPattern);
  }

  @Test
  void namedPool_hasItsConfiguredConcurrency() {
    assertThat(server.server().pool("reports").stats().limit()).isEqualTo(2);
    assertThat(server.server().pool("reports").name()).isEqualTo("reports");
  }

  @Test
  void blockingHandler_isCountedByItsPool() {
    long before = server.server().pool("reports").stats().completed();

    server.get("/t/reports");

    // The pool counts the task after handing its result over, so the response may come first.
    await().atMost(Http.TIMEOUT).untilAsserted(() ->
        assertThat(server.server().pool("reports").stats().completed()).isGreaterThan(before));
  }
}
