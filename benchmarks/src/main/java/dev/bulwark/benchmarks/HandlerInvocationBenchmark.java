package dev.bulwark.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import dev.bulwark.web.BulwarkRoutes;
import dev.bulwark.web.Get;
import dev.bulwark.web.NonBlocking;
import dev.bulwark.web.PathParam;
import dev.bulwark.web.ServerOptions;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What does the annotated-handler adapter ({@link BulwarkRoutes}) cost per HTTP request, compared
 * with a hand-written vertx-web handler that answers the same bytes?
 *
 * <ul>
 *   <li>{@code route=hello}: {@code GET /hello}, 200 {@code text/plain} {@code Hello, World!};
 *   <li>{@code route=json}: {@code GET /items/{id}}, a path parameter bound to a {@code long}
 *       and a record written as JSON by Jackson;
 *   <li>{@code impl=bulwark}: a {@code @NonBlocking} handler object mounted with
 *       {@code BulwarkRoutes} on a vertx-web {@link Router}, recording request metrics into a
 *       Prometheus registry as {@code BulwarkServer} always does;
 *       {@code -p impl=bulwarkNoMetrics} (not run by default) mounts it without a registry;
 *   <li>{@code impl=vertxWeb}: {@code router.get(...).handler(ctx -> ctx.response().putHeader(...).end(...))}.
 * </ul>
 *
 * <p>Both are served by one Vert.x {@link HttpServer} on loopback on one event loop of their own;
 * the benchmark drives them from a second Vert.x instance with an {@link HttpClient}
 * ({@value #CONNECTIONS} keep-alive connections, no pipelining), keeping exactly
 * {@value #CONNECTIONS} requests outstanding until {@value #REQUESTS} have completed per
 * invocation. Every response is checked for status 200 and its body length.
 *
 * <p>Run (after {@code mvn -q package -DskipTests} from the project root):
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar HandlerInvocation -f 1 -wi 5 -i 5
 * </pre>
 * The whole HTTP stack needs about 10 s of warmup before C2 settles, hence 5 warmup iterations.
 * The score is requests per second; higher is better. Read the ratio {@code bulwark / vertxWeb}
 * per route: 1.0 means the adapter costs nothing visible next to HTTP itself. The client's work
 * is the same for both and shares the CPUs, so the ratio understates the server-side difference:
 * 0.9 here means the adapter adds more than 11% to the server's own CPU per request.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class HandlerInvocationBenchmark {

  /** Requests completed per invocation. */
  static final int REQUESTS = 256;
  /** Requests outstanding at any time, one per connection. */
  static final int CONNECTIONS = 16;

  static final String HELLO = "Hello, World!";
  static final long ITEM_ID = 42;
  private static final CharSequence TEXT = HttpHeaders.createOptimized("text/plain; charset=utf-8");
  private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");

  @Param({"bulwark", "vertxWeb"})
  public String impl;

  @Param({"hello", "json"})
  public String route;

  private Vertx serverVertx;
  private Vertx clientVertx;
  private HttpClient client;
  private Context clientContext;
  private int port;
  private String uri;
  private int expectedLength;
  private final AtomicInteger connectionsOpened = new AtomicInteger();

  /** The JSON route's result. */
  public record Item(long id, String name, int priceCents) {
    static Item of(long id) {
      return new Item(id, "Item " + id, (int) (id * 7 % 10000));
    }
  }

  /** The Bulwark side: annotated, on the event loop. */
  public static final class Handlers {
    @Get("/hello")
    @NonBlocking
    public String hello() {
      return HELLO;
    }

    @Get("/items/{id}")
    @NonBlocking
    public Item item(@PathParam("id") long id) {
      return Item.of(id);
    }
  }

  /** The hand-written vertx-web side. */
  static void mountHandWritten(Router router) {
    ObjectWriter writer = new ObjectMapper().writerFor(Item.class);
    router.get("/hello").handler(ctx ->
        ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, TEXT).end(HELLO));
    router.get("/items/:id").handler(ctx -> item(ctx, writer));
  }

  private static void item(RoutingContext ctx, ObjectWriter writer) {
    long id;
    try {
      id = Long.parseLong(ctx.pathParam("id"));
    } catch (NumberFormatException e) {
      ctx.response().setStatusCode(400).end();
      return;
    }
    try {
      ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, JSON)
          .end(Buffer.buffer(writer.writeValueAsBytes(Item.of(id))));
    } catch (Exception e) {
      ctx.fail(e);
    }
  }

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    serverVertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    Router router = Router.router(serverVertx);
    switch (impl) {
      case "bulwark":
        BulwarkRoutes.of(Map.of(), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
            ServerOptions.DEFAULT_MAX_BODY_SIZE, new Handlers()).mountOn(router);
        break;
      case "bulwarkNoMetrics":
        BulwarkRoutes.of(Map.of(), null, ServerOptions.DEFAULT_MAX_BODY_SIZE, new Handlers())
            .mountOn(router);
        break;
      case "vertxWeb":
        mountHandWritten(router);
        break;
      default:
        throw new IllegalArgumentException(
            "impl must be bulwark, bulwarkNoMetrics or vertxWeb, but was " + impl);
    }
    switch (route) {
      case "hello":
        uri = "/hello";
        expectedLength = HELLO.length();
        break;
      case "json":
        uri = "/items/" + ITEM_ID;
        expectedLength = new ObjectMapper().writeValueAsBytes(Item.of(ITEM_ID)).length;
        break;
      default:
        throw new IllegalArgumentException("route must be hello or json, but was " + route);
    }
    HttpServer server = serverVertx.createHttpServer(
        new HttpServerOptions().setHost("127.0.0.1").setTcpNoDelay(true)).requestHandler(router)
        .connectionHandler(conn -> connectionsOpened.incrementAndGet());
    port = server.listen(0).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS)
        .actualPort();

    clientVertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    client = clientVertx.createHttpClient(
        new HttpClientOptions().setKeepAlive(true).setPipelining(false).setTcpNoDelay(true),
        new PoolOptions().setHttp1MaxSize(CONNECTIONS));
    clientContext = clientVertx.getOrCreateContext();
    roundTrip(); // fails fast, before any measurement, if a response is wrong
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    if (connectionsOpened.get() > CONNECTIONS) {
      System.err.printf("%nWARNING: impl=%s route=%s: the server accepted %d connections for %d"
          + " keep-alive client connections; the score includes connection setup.%n",
          impl, route, connectionsOpened.get(), CONNECTIONS);
    }
    clientVertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    serverVertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Benchmark
  @OperationsPerInvocation(REQUESTS)
  public void roundTrip() throws InterruptedException {
    Batch batch = new Batch();
    clientContext.runOnContext(v -> {
      for (int i = 0; i < CONNECTIONS; i++) {
        batch.sendNext();
      }
    });
    if (!batch.done.await(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException(impl + "/" + route + ": " + batch.done.getCount() + " of "
          + REQUESTS + " requests did not complete within 30 s");
    }
    if (batch.failure != null) {
      throw new IllegalStateException(impl + "/" + route + ": " + batch.failure);
    }
  }

  /**
   * One invocation's requests; its fields are touched only on the client's event loop, and read
   * by the benchmark thread after the latch, which orders them.
   */
  private final class Batch {
    final CountDownLatch done = new CountDownLatch(REQUESTS);
    int sent;
    String failure;

    void sendNext() {
      if (sent == REQUESTS) {
        return;
      }
      sent++;
      client.request(HttpMethod.GET, port, "127.0.0.1", uri)
          .compose(req -> req.send())
          .compose(resp -> resp.body().map(body -> {
            if (resp.statusCode() != 200 || body.length() != expectedLength) {
              return "status " + resp.statusCode() + ", " + body.length() + " bytes: " + body;
            }
            return null;
          }))
          .onComplete(ar -> {
            String problem = ar.failed() ? ar.cause().toString() : ar.result();
            if (problem != null && failure == null) {
              failure = problem;
            }
            done.countDown();
            sendNext();
          });
    }
  }
}
