package dev.bulwark.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code @Body}: JSON into records, POJOs and generic lists; raw bodies; 415, 400 and 413. */
@ExtendWith(VertxExtension.class)
class JsonBodyTest {

  private static final int MAX_BODY = 1024;

  private static TestServer server;

  @BeforeAll
  static void start(Vertx vertx) {
    server = TestServer.start(vertx, o -> o.maxBodySize(MAX_BODY), new Bodies());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  public record Order(String sku, int qty) {
  }

  public static class Customer {
    private String name;
    private List<String> tags = new ArrayList<>();

    public String getName() {
      return name;
    }

    public void setName(String name) {
      this.name = name;
    }

    public List<String> getTags() {
      return tags;
    }

    public void setTags(List<String> tags) {
      this.tags = tags;
    }
  }

  public static class Bodies {

    @Post("/orders")
    public Order create(@Body Order order) {
      return new Order(order.sku(), order.qty() + 1);
    }

    @Patch("/orders/{id}")
    public Map<String, Object> patch(@PathParam("id") long id, @Body Order order) {
      return new TreeMap<>(Map.of("id", id, "sku", order.sku()));
    }

    @Post("/customers")
    public Customer customer(@Body Customer customer) {
      customer.setName(customer.getName().toUpperCase());
      customer.getTags().add("seen");
      return customer;
    }

    @Post("/orders/batch")
    public Map<String, Integer> batch(@Body List<Order> orders) {
      // Summing qty only works if the elements really are Orders, not maps.
      int total = 0;
      for (Order o : orders) {
        total += o.qty();
      }
      return new TreeMap<>(Map.of("count", orders.size(), "total", total));
    }

    @Put("/text")
    public String text(@Body String text) {
      return text.length() + ":" + text;
    }

    @Post("/bytes")
    public byte[] bytes(@Body byte[] bytes) {
      byte[] reversed = new byte[bytes.length];
      for (int i = 0; i < bytes.length; i++) {
        reversed[i] = bytes[bytes.length - 1 - i];
      }
      return reversed;
    }

    @Post("/buffer")
    public String buffer(@Body Buffer buffer) {
      return "length=" + buffer.length();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"application/json", "application/json; charset=utf-8",
      "Application/JSON", "application/vnd.order+json"})
  void recordBody_isDecodedForEveryJsonContentType(String contentType) {
    HttpResponse<String> response = server.post("/orders", contentType, "{\"sku\":\"a-1\",\"qty\":2}");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(Http.json(response.body())).isEqualTo(Http.json("{\"sku\":\"a-1\",\"qty\":3}"));
  }

  @Test
  void bodyAndPathParam_bindTogether() {
    HttpResponse<String> response = server.send(server.request("/orders/17")
        .header("Content-Type", "application/json")
        .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"sku\":\"b\",\"qty\":1}"))
        .build());

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(Http.json(response.body())).isEqualTo(Http.json("{\"id\":17,\"sku\":\"b\"}"));
  }

  @Test
  void pojoBody_isDecodedThroughSetters() {
    HttpResponse<String> response = server.post("/customers", "application/json",
        "{\"name\":\"ada\",\"tags\":[\"vip\"]}");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(Http.json(response.body()))
        .isEqualTo(Http.json("{\"name\":\"ADA\",\"tags\":[\"vip\",\"seen\"]}"));
  }

  @Test
  void listOfRecordsBody_decodesEachElementAsTheRecord() {
    HttpResponse<String> response = server.post("/orders/batch", "application/json",
        "[{\"sku\":\"a\",\"qty\":2},{\"sku\":\"b\",\"qty\":5}]");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(Http.json(response.body())).isEqualTo(Http.json("{\"count\":2,\"total\":7}"));
  }

  static Stream<Arguments> unsupportedContentTypes() {
    return Stream.of(
        Arguments.of("text/plain", "request body must be application/json, but Content-Type was 'text/plain'"),
        Arguments.of("application/x-www-form-urlencoded",
            "request body must be application/json, but Content-Type was 'application/x-www-form-urlencoded'"),
        Arguments.of(null, "request body must be application/json, but Content-Type was absent"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("unsupportedContentTypes")
  void jsonBody_withOtherContentType_answers415(String contentType, String expected) {
    HttpResponse<String> response = server.post("/orders", contentType, "{\"sku\":\"a\",\"qty\":1}");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(415);
    assertThat(Http.error(response)).isEqualTo(expected);
  }

  static Stream<Arguments> badJson() {
    return Stream.of(
        Arguments.of("/orders", "{\"sku\":", "malformed JSON body"),
        Arguments.of("/orders", "{sku: 'a'}", "malformed JSON body"),
        Arguments.of("/orders", "{\"sku\":\"a\",\"qty\":\"many\"}", "invalid JSON body"),
        Arguments.of("/orders", "{\"sku\":\"a\",\"qty\":1,\"extra\":true}", "invalid JSON body"),
        Arguments.of("/orders", "[1,2]", "invalid JSON body"),
        Arguments.of("/orders", "{\"sku\":5,\"qty\":1}", "invalid JSON body"),
        Arguments.of("/orders", "{\"sku\":\"a\",\"qty\":null}", "invalid JSON body"),
        Arguments.of("/orders/batch", "{\"sku\":\"a\",\"qty\":1}", "invalid JSON body"),
        Arguments.of("/customers", "{\"name\":\"a\",\"tags\":\"vip\",\"age\":3}", "invalid JSON body"),
        Arguments.of("/orders", "null", "request body must not be JSON null"),
        Arguments.of("/orders", "", "request body is empty; expected JSON"));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("badJson")
  void badJsonBody_answers400(String path, String body, String expectedStart) {
    HttpResponse<String> response = server.post(path, "application/json", body);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(Http.error(response)).startsWith(expectedStart);
  }

  static Stream<Arguments> misplacedValues() {
    return Stream.of(
        Arguments.of("/orders", "{\"sku\":\"a\",\"qty\":1,\"discount\":5}", "discount"),
        Arguments.of("/orders", "{\"sku\":\"a\",\"qty\":\"many\"}", "$.qty"),
        Arguments.of("/orders/batch", "[{\"sku\":\"a\",\"qty\":1},{\"sku\":\"b\",\"qty\":\"x\"}]",
            "$[1].qty"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("misplacedValues")
  void wrongValue_isLocatedInThe400(String path, String body, String location) {
    HttpResponse<String> response = server.post(path, "application/json", body);

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(Http.error(response)).startsWith("invalid JSON body").contains(location);
  }

  @ParameterizedTest(name = "chunked={0}")
  @ValueSource(booleans = {false, true})
  void bodyOverMaxBodySize_answers413WithJsonError(boolean chunked) {
    byte[] big = ("{\"sku\":\"" + "x".repeat(2 * MAX_BODY) + "\",\"qty\":1}")
        .getBytes(StandardCharsets.UTF_8);
    // A stream publisher has no known length, so the client sends it chunked.
    HttpRequest.BodyPublisher publisher = chunked
        ? HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big))
        : HttpRequest.BodyPublishers.ofByteArray(big);

    HttpResponse<String> response = server.send(server.request("/orders")
        .header("Content-Type", "application/json").POST(publisher).build());

    assertThat(response.statusCode()).as(response.body()).isEqualTo(413);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(Http.error(response)).isEqualTo("request body exceeds the limit of 1024 bytes");
  }

  @Test
  void bodyOfExactlyMaxBodySize_isAccepted() {
    String body = "y".repeat(MAX_BODY);

    HttpResponse<String> response = server.send(server.request("/text")
        .PUT(HttpRequest.BodyPublishers.ofString(body)).build());

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.body()).isEqualTo(MAX_BODY + ":" + body);
  }

  @Test
  void rawStringBody_isReceivedAsUtf8WithoutJsonCheck() {
    HttpResponse<String> response = server.send(server.request("/text")
        .header("Content-Type", "text/plain; charset=utf-8")
        .PUT(HttpRequest.BodyPublishers.ofString("héllo {not json", StandardCharsets.UTF_8))
        .build());

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("text/plain; charset=utf-8");
    assertThat(response.body()).isEqualTo("15:héllo {not json");
  }

  @Test
  void rawByteArrayBody_isReceivedAsIs() {
    byte[] sent = {0, 1, 2, (byte) 0xff, 42};

    HttpResponse<byte[]> response = Http.sendForBytes(server.client(), server.request("/bytes")
        .header("Content-Type", "application/octet-stream")
        .POST(HttpRequest.BodyPublishers.ofByteArray(sent)).build());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/octet-stream");
    assertThat(response.body()).containsExactly(42, (byte) 0xff, 2, 1, 0);
  }

  @Test
  void rawBufferBody_isReceivedAsIs() {
    HttpResponse<String> response = server.post("/buffer", null, "12345");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("length=5");
  }
}
