package com.example.quickstart;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bulwark.web.BulwarkServer;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The quick start as its README runs it: started on a free port, called over HTTP. */
class QuickstartMainTest {

  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private Vertx vertx;
  private BulwarkServer server;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    server = QuickstartMain.start(vertx, 0).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    server.drain().eventually(() -> vertx.close()).toCompletionStage().toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void hello_answersPlainText() throws Exception {
    HttpResponse<String> r = get("/hello");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
    assertThat(r.body()).isEqualTo("Hello, World!");
  }

  @Test
  void greet_answersJsonFromTheWorkerPool() throws Exception {
    HttpResponse<String> r = get("/greet/Ada?excitement=3");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("{\"message\":\"Hello, Ada!!!\",\"excitement\":3}");
  }

  @Test
  void greet_refusesAnOutOfRangeParameterWith400() throws Exception {
    HttpResponse<String> r = get("/greet/Ada?excitement=9");

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("excitement");
  }

  @Test
  void metrics_countTheRequestByRouteTemplate() throws Exception {
    get("/greet/Bob");

    assertThat(get("/metrics").body())
        .contains("http_server_requests_seconds_count{method=\"GET\",route=\"/greet/{name}\",status=\"200\"} 1");
  }
}
