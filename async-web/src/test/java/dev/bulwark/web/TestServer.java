package dev.bulwark.web;

import io.vertx.core.Vertx;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.UnaryOperator;

/**
 * A started {@link BulwarkServer} on a free loopback port, with a client bound to it. Tests pass
 * option changes on top of the test defaults (one event loop, a short drain grace) and close it
 * with {@link #close()}, which drains the server.
 */
final class TestServer implements AutoCloseable {

  private final BulwarkServer server;
  private final HttpClient client = Http.newClient();

  private TestServer(BulwarkServer server) {
    this.server = server;
  }

  static TestServer start(Vertx vertx, Object... handlers) {
    return start(vertx, UnaryOperator.identity(), handlers);
  }

  static TestServer start(Vertx vertx, UnaryOperator<ServerOptions.Builder> options,
      Object... handlers) {
    return start(vertx, null, options, handlers);
  }

  /** A server on the application's {@code registry}, or on its own when that is null. */
  static TestServer start(Vertx vertx, io.micrometer.core.instrument.MeterRegistry registry,
      UnaryOperator<ServerOptions.Builder> options, Object... handlers) {
    ServerOptions.Builder builder = ServerOptions.builder()
        .port(0)
        .host("127.0.0.1")
        .eventLoops(1)
        .drainGrace(Duration.ofSeconds(2));
    ServerOptions built = options.apply(builder).build();
    BulwarkServer server = registry == null ? BulwarkServer.create(vertx, built)
        : BulwarkServer.create(vertx, built, registry);
    for (Object h : handlers) {
      server.handler(h);
    }
    Http.await(server.start());
    return new TestServer(server);
  }

  BulwarkServer server() {
    return server;
  }

  int port() {
    return server.port();
  }

  HttpClient client() {
    return client;
  }

  HttpRequest.Builder request(String path) {
    return Http.request(port(), path);
  }

  HttpResponse<String> get(String path) {
    return send(request(path).GET().build());
  }

  HttpResponse<String> send(HttpRequest request) {
    return Http.send(client, request);
  }

  HttpResponse<String> post(String path, String contentType, String body) {
    HttpRequest.Builder b = request(path).POST(HttpRequest.BodyPublishers.ofString(body));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    return send(b.build());
  }

  /** Drains the server (idempotent) and waits for it to stop. */
  @Override
  public void close() {
    Http.await(server.drain());
  }
}
