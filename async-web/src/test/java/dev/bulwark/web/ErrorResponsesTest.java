package dev.bulwark.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The router's own errors (404, 405) and unexpected handler failures (500) are JSON; a 500
 * carries a request id in its message and its {@code X-Request-Id} header and nothing of the
 * exception.
 */
@ExtendWith(VertxExtension.class)
class ErrorResponsesTest {

  private static final Pattern REQUEST_ID =
      Pattern.compile("internal server error \\(request id (\\S+)\\)");

  private static TestServer server;

  @BeforeAll
  static void start(Vertx vertx) {
    server = TestServer.start(vertx, new Failing());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  public static class Failing {

    @Get("/items/{id}")
    public String item(@PathParam("id") long id) {
      return "item " + id;
    }

    @Get("/boom")
    public String boom() {
      throw new IllegalStateException("secret-detail: password=hunter2");
    }

    @NonBlocking
    @Get("/boom-loop")
    public String boomOnLoop() {
      throw new IllegalStateException("secret-detail on the loop");
    }

    @Get("/checked")
    public String checked() throws IOException {
      throw new IOException("secret-detail: /etc/shadow");
    }

    @Get("/boom-future")
    public Future<String> boomFuture() {
      throw new UnsupportedOperationException("secret-detail before the future");
    }

    @Post("/boom-body")
    public String boomWithBody(@Body String body) {
      throw new IllegalArgumentException("secret-detail " + body);
    }
  }

  static Stream<Arguments> failures() {
    return Stream.of(
        Arguments.of("GET", "/boom"),
        Arguments.of("GET", "/boom-loop"),
        Arguments.of("GET", "/checked"),
        Arguments.of("GET", "/boom-future"),
        Arguments.of("POST", "/boom-body"));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("failures")
  void handlerThrowing_answers500WithRequestIdAndNoStackTrace(String method, String path) {
    HttpResponse<String> response = server.send(server.request(path)
        .method(method, HttpRequest.BodyPublishers.ofString("x")).build());

    assertThat(response.statusCode()).isEqualTo(500);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    Matcher m = REQUEST_ID.matcher(Http.error(response));
    assertThat(m.matches()).as(response.body()).isTrue();
    assertThat(response.headers().firstValue("X-Request-Id")).hasValue(m.group(1));
    assertThat(response.body())
        .doesNotContain("secret-detail", "Exception", "at dev.bulwark", "java.", "\\tat ");
  }

  @Test
  void requestIds_differBetweenFailures() {
    String first = server.get("/boom").headers().firstValue("X-Request-Id").orElseThrow();
    String second = server.get("/boom").headers().firstValue("X-Request-Id").orElseThrow();

    assertThat(first).isNotEqualTo(second);
  }

  @ParameterizedTest
  @ValueSource(strings = {"/nope", "/items", "/items/1/more"})
  void unknownPath_answers404Json(String path) {
    HttpResponse<String> response = server.get(path);

    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(Http.error(response)).isEqualTo("no route for GET " + path);
  }

  @ParameterizedTest
  @ValueSource(strings = {"POST", "DELETE", "PUT"})
  void wrongMethodOnKnownPath_answers405Json(String method) {
    HttpResponse<String> response = server.send(server.request("/items/1")
        .method(method, HttpRequest.BodyPublishers.noBody()).build());

    assertThat(response.statusCode()).isEqualTo(405);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(Http.error(response)).isEqualTo("method " + method + " is not allowed for /items/1");
  }

  @Test
  void serverKeepsServingAfterFailures() {
    server.get("/boom");
    server.get("/boom-loop");

    HttpResponse<String> response = server.get("/items/5");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("item 5");
  }
}
