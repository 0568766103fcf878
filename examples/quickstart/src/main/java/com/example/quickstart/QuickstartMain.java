package com.example.quickstart;

import dev.bulwark.web.BulwarkServer;
import dev.bulwark.web.NetTransport;
import dev.bulwark.web.ServerOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;

/**
 * {@code QuickstartMain [PORT]}: serves {@link GreetingHandlers} on 127.0.0.1 (default port 8080,
 * 0 for any free one), prints {@code listening on http://127.0.0.1:PORT} once it accepts
 * requests, and drains on SIGTERM.
 */
public final class QuickstartMain {

  private QuickstartMain() {
  }

  /**
   * Starts a server on {@code port} with its own Vert.x; the future completes on a Vert.x thread
   * once it accepts requests. Stop it with {@link BulwarkServer#drain()} and close Vert.x.
   */
  public static Future<BulwarkServer> start(Vertx vertx, int port) {
    ServerOptions options = ServerOptions.builder()
        .host("127.0.0.1")
        .port(port)
        .workerPool("default", p -> p.maxConcurrency(16).maxQueue(32).queueTimeout(Duration.ofMillis(500)))
        .build();
    return BulwarkServer.create(vertx, options)
        .handler(new GreetingHandlers())
        .start();
  }

  public static void main(String[] args) throws Exception {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 8080;
    // io_uring where the kernel allows it, else NIO
    Vertx vertx = Vertx.builder().withTransport(NetTransport.AUTO.vertxTransport()).build();
    BulwarkServer server = start(vertx, port).toCompletionStage().toCompletableFuture().get();
    server.exitOnSignal();
    System.out.println("listening on http://127.0.0.1:" + server.port());
  }
}
