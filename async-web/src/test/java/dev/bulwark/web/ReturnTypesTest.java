package dev.bulwark.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.junit5.VertxExtension;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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
import org.junit.jupiter.params.provider.ValueSource;

/**
 * How each kind of handler result is written: status, Content-Type and body, for plain values,
 * {@link Response}, futures and completion stages completed later, {@code void}, and failures.
 */
@ExtendWith(VertxExtension.class)
class ReturnTypesTest {

  private static final String TEXT = "text/plain; charset=utf-8";
  private static final String JSON = "application/json";
  private static final String OCTETS = "application/octet-stream";

  private static TestServer server;

  @BeforeAll
  static void start(Vertx vertx) {
    server = TestServer.start(vertx, new Results(vertx));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  public record Item(long id, String name) {
  }

  public static class Pojo {
    private final String label;

    public Pojo(String label) {
      this.label = label;
    }

    public String getLabel() {
      return label;
    }
  }

  public static class Results {
    private final Vertx vertx;

    Results(Vertx vertx) {
      this.vertx = vertx;
    }

    private <T> Future<T> later(T value) {
      Promise<T> promise = Promise.promise();
      vertx.setTimer(5, id -> promise.complete(value));
      return promise.future();
    }

    @Get("/string")
    public String string() {
      return "héllo";
    }

    @Get("/record")
    public Item record() {
      return new Item(1, "one");
    }

    @Get("/pojo")
    public Pojo pojo() {
      return new Pojo("p");
    }

    @Get("/list")
    public List<Item> list() {
      return List.of(new Item(1, "one"), new Item(2, "two"));
    }

    @Get("/map")
    public Map<String, Integer> map() {
      return new TreeMap<>(Map.of("a", 1, "b", 2));
    }

    @Get("/object")
    public Object object() {
      return new Item(3, "dynamic");
    }

    @Get("/buffer")
    public Buffer buffer() {
      return Buffer.buffer(new byte[] {1, 2, 3});
    }

    @Get("/bytes")
    public byte[] bytes() {
      return new byte[] {4, 5};
    }

    @Get("/created")
    public Response<Item> created() {
      return Response.created("/x/1", new Item(1, "new"));
    }

    @Get("/accepted")
    public Response<String> accepted() {
      return Response.of(202, "queued").withHeader("X-Queue", "q1");
    }

    @Get("/teapot-bytes")
    public Response<byte[]> teapotBytes() {
      return Response.of(418, new byte[] {7});
    }

    @Get("/custom-type")
    public Response<String> customType() {
      return Response.ok("<p>hi</p>").withHeader("Content-Type", "text/html");
    }

    @Get("/status-only")
    public Response<Void> statusOnly() {
      return Response.status(202);
    }

    @Get("/future")
    public Future<String> future() {
      return later("later");
    }

    @Get("/future-record")
    public Future<Item> futureRecord() {
      return later(new Item(4, "future"));
    }

    @Get("/future-response")
    public Future<Response<Item>> futureResponse() {
      return later(Response.created("/x/5", new Item(5, "made")));
    }

    @Get("/future-void")
    public Future<Void> futureVoid() {
      return later(null);
    }

    @Get("/stage")
    public CompletionStage<Item> stage() {
      return CompletableFuture.supplyAsync(() -> new Item(6, "stage"));
    }

    @Get("/stage-string")
    public CompletionStage<String> stageString() {
      return CompletableFuture.supplyAsync(() -> "staged");
    }

    @Delete("/void")
    public void nothing() {
    }

    @Get("/null-string")
    public String nullString() {
      return null;
    }

    @Get("/null-record")
    public Item nullRecord() {
      return null;
    }

    @Get("/failed-http-future")
    public Future<String> failedHttpFuture() {
      return vertx.timer(5).compose(v -> Future.failedFuture(new HttpException(409, "version conflict")));
    }

    @Get("/failed-http-stage")
    public CompletionStage<String> failedHttpStage() {
      return CompletableFuture.supplyAsync(() -> {
        throw new HttpException(422, "cannot process");
      });
    }

    @Get("/throws-http")
    public String throwsHttp() {
      throw HttpException.notFound("no item 7");
    }

    @Get("/throws-http-on-loop")
    public Future<String> throwsHttpOnLoop() {
      throw HttpException.badRequest("bad on the loop");
    }

    @Get("/failed-future")
    public Future<String> failedFuture() {
      return vertx.timer(5).compose(v -> Future.failedFuture(new IllegalStateException("secret state")));
    }

    @Get("/failed-stage")
    public CompletionStage<String> failedStage() {
      return CompletableFuture.failedFuture(new IllegalArgumentException("secret argument"));
    }

    @Get("/null-future")
    public Future<String> nullFuture() {
      return null;
    }
  }

  static Stream<Arguments> values() {
    return Stream.of(
        Arguments.of("/string", 200, TEXT, "héllo"),
        Arguments.of("/record", 200, JSON, "{\"id\":1,\"name\":\"one\"}"),
        Arguments.of("/pojo", 200, JSON, "{\"label\":\"p\"}"),
        Arguments.of("/list", 200, JSON, "[{\"id\":1,\"name\":\"one\"},{\"id\":2,\"name\":\"two\"}]"),
        Arguments.of("/map", 200, JSON, "{\"a\":1,\"b\":2}"),
        Arguments.of("/object", 200, JSON, "{\"id\":3,\"name\":\"dynamic\"}"),
        Arguments.of("/created", 201, JSON, "{\"id\":1,\"name\":\"new\"}"),
        Arguments.of("/accepted", 202, TEXT, "queued"),
        Arguments.of("/custom-type", 200, "text/html", "<p>hi</p>"),
        Arguments.of("/future", 200, TEXT, "later"),
        Arguments.of("/future-record", 200, JSON, "{\"id\":4,\"name\":\"future\"}"),
        Arguments.of("/future-response", 201, JSON, "{\"id\":5,\"name\":\"made\"}"),
        Arguments.of("/stage", 200, JSON, "{\"id\":6,\"name\":\"stage\"}"),
        Arguments.of("/stage-string", 200, TEXT, "staged"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("values")
  void result_isWrittenWithItsStatusAndContentType(String path, int status, String contentType,
      String body) {
    HttpResponse<String> response = server.get(path);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type")).hasValue(contentType);
    if (contentType.equals(JSON)) {
      assertThat(Http.json(response.body())).isEqualTo(Http.json(body));
    } else {
      assertThat(response.body()).isEqualTo(body);
    }
  }

  static Stream<Arguments> binary() {
    return Stream.of(
        Arguments.of("/buffer", 200, new byte[] {1, 2, 3}),
        Arguments.of("/bytes", 200, new byte[] {4, 5}),
        Arguments.of("/teapot-bytes", 418, new byte[] {7}));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("binary")
  void bufferAndByteArray_areWrittenAsOctetStream(String path, int status, byte[] body) {
    HttpResponse<byte[]> response = Http.sendForBytes(server.client(), server.request(path).build());

    assertThat(response.statusCode()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type")).hasValue(OCTETS);
    assertThat(response.body()).isEqualTo(body);
  }

  @Test
  void responseCreated_answers201WithLocation() {
    HttpResponse<String> response = server.get("/created");

    assertThat(response.statusCode()).isEqualTo(201);
    assertThat(response.headers().firstValue("Location")).hasValue("/x/1");
  }

  @Test
  void responseWithHeader_sendsTheHeader() {
    HttpResponse<String> response = server.get("/accepted");

    assertThat(response.headers().firstValue("X-Queue")).hasValue("q1");
  }

  @Test
  void futureOfResponse_sendsStatusAndHeaders() {
    HttpResponse<String> response = server.get("/future-response");

    assertThat(response.statusCode()).isEqualTo(201);
    assertThat(response.headers().firstValue("Location")).hasValue("/x/5");
  }

  @ParameterizedTest
  @ValueSource(strings = {"/future-void", "/null-string", "/null-record"})
  void voidOrNullResult_answers204WithoutBody(String path) {
    HttpResponse<String> response = server.get(path);

    assertThat(response.statusCode()).isEqualTo(204);
    assertThat(response.body()).isEmpty();
  }

  @Test
  void voidMethod_answers204WithoutBody() {
    HttpResponse<String> response = server.send(server.request("/void").DELETE().build());

    assertThat(response.statusCode()).isEqualTo(204);
    assertThat(response.body()).isEmpty();
  }

  @Test
  void responseWithoutBody_answersItsStatusWithoutBody() {
    HttpResponse<String> response = server.get("/status-only");

    assertThat(response.statusCode()).isEqualTo(202);
    assertThat(response.body()).isEmpty();
  }

  static Stream<Arguments> httpExceptions() {
    return Stream.of(
        Arguments.of("/throws-http", 404, "no item 7"),
        Arguments.of("/throws-http-on-loop", 400, "bad on the loop"),
        Arguments.of("/failed-http-future", 409, "version conflict"),
        Arguments.of("/failed-http-stage", 422, "cannot process"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("httpExceptions")
  void httpException_answersItsStatusAndJsonMessage(String path, int status, String message) {
    HttpResponse<String> response = server.get(path);

    assertThat(response.statusCode()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type")).hasValue(JSON);
    assertThat(Http.error(response)).isEqualTo(message);
  }

  @ParameterizedTest
  @ValueSource(strings = {"/failed-future", "/failed-stage", "/null-future"})
  void failedAsyncResult_answers500JsonWithoutDetails(String path) {
    HttpResponse<String> response = server.get(path);

    assertThat(response.statusCode()).isEqualTo(500);
    assertThat(response.headers().firstValue("Content-Type")).hasValue(JSON);
    assertThat(Http.error(response)).startsWith("internal server error (request id ");
    assertThat(response.body()).doesNotContain("secret", "Exception");
  }
}
