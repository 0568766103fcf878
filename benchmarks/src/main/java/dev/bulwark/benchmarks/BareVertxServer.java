package dev.bulwark.benchmarks;

import dev.bulwark.web.NetTransport;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.util.concurrent.TimeUnit;

/**
 * The baseline for the shop's {@code /hello}: plain Vert.x core, no vertx-web, no Bulwark.
 * {@code GET /hello} answers 200 {@code text/plain; charset=utf-8} {@code Hello, World!}; anything
 * else 404. One {@code HttpServer} per event loop shares the port, as the shop does.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.bulwark.benchmarks.BareVertxServer --port 18081 [--event-loops N] [--transport auto|io_uring|nio]
 * </pre>
 * Binds 127.0.0.1, prints {@code listening on http://127.0.0.1:PORT} once it accepts requests, and
 * runs until killed. {@code --event-loops} defaults to the number of available processors,
 * {@code --transport} to {@code auto}, the shop's default, so that both serve on the same
 * transport. Bad arguments print one line and exit with status 2.
 */
public final class BareVertxServer {

  private static final CharSequence TEXT = HttpHeaders.createOptimized("text/plain; charset=utf-8");
  private static final Buffer HELLO = Buffer.buffer("Hello, World!");

  private BareVertxServer() {
  }

  /** One server instance on its verticle's event loop. */
  static final class HelloVerticle extends VerticleBase {
    private final int port;

    HelloVerticle(int port) {
      this.port = port;
    }

    @Override
    public Future<?> start() {
      return vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setTcpNoDelay(true))
          .requestHandler(HelloVerticle::handle)
          .listen(port);
    }

    private static void handle(HttpServerRequest req) {
      if (req.method() == HttpMethod.GET && "/hello".equals(req.path())) {
        req.response().putHeader(HttpHeaders.CONTENT_TYPE, TEXT).end(HELLO);
      } else {
        req.response().setStatusCode(404).end();
      }
    }
  }

  public static void main(String[] args) throws Exception {
    int port = -1;
    int eventLoops = Runtime.getRuntime().availableProcessors();
    NetTransport transport = NetTransport.AUTO;
    try {
      for (int i = 0; i < args.length; i++) {
        String option = args[i];
        switch (option) {
          case "--port":
            port = intValue(option, args, ++i, 1, 65535);
            break;
          case "--event-loops":
            eventLoops = intValue(option, args, ++i, 1, 1024);
            break;
          case "--transport":
            if (++i >= args.length) {
              throw new IllegalArgumentException(option + " needs a value");
            }
            transport = NetTransport.parse(option, args[i]);
            break;
          default:
            throw new IllegalArgumentException("unknown option '" + option
                + "'; usage: BareVertxServer --port N [--event-loops N] [--transport auto|io_uring|nio]");
        }
      }
      if (port < 0) {
        throw new IllegalArgumentException("--port is required");
      }
    } catch (IllegalArgumentException e) {
      System.err.println("BareVertxServer: " + e.getMessage());
      System.exit(2);
      return;
    }
    Vertx vertx;
    try {
      vertx = Vertx.builder().with(new VertxOptions().setEventLoopPoolSize(eventLoops))
          .withTransport(transport.vertxTransport()).build();
    } catch (IllegalStateException e) {
      System.err.println("BareVertxServer: --transport: " + e.getMessage());
      System.exit(2);
      return;
    }
    int listenPort = port;
    try {
      vertx.deployVerticle(() -> new HelloVerticle(listenPort),
          new DeploymentOptions().setInstances(eventLoops))
          .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      System.err.println("BareVertxServer: could not start: " + e.getMessage());
      vertx.close();
      System.exit(1);
      return;
    }
    System.out.println("listening on http://127.0.0.1:" + port);
    System.out.flush();
  }

  private static int intValue(String option, String[] args, int index, int min, int max) {
    if (index >= args.length) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    try {
      int v = Integer.parseInt(args[index]);
      if (v < min || v > max) {
        throw new IllegalArgumentException(option + " must be between " + min + " and " + max
            + ", but was " + v);
      }
      return v;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + " must be an integer, but was '" + args[index] + "'");
    }
  }
}
