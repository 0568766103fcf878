package dev.bulwark.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Path, query and header parameters: conversion, defaults, ranges, and the 400s that name them. */
@ExtendWith(VertxExtension.class)
class ParameterBindingTest {

  private static TestServer server;

  @BeforeAll
  static void start(Vertx vertx) {
    server = TestServer.start(vertx, new Params());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  public enum Color { RED, GREEN }

  public static class Params {

    @Get("/items/{id}")
    public String item(@PathParam("id") long id) {
      return "item " + id;
    }

    @Get("/orders/{order}/lines/{line}")
    public String line(@PathParam("line") int line, @PathParam("order") String order) {
      return order + "#" + line;
    }

    @Get("/uuid/{u}")
    public String uuid(@PathParam("u") UUID u) {
      return u.toString();
    }

    @Get("/page")
    public String page(@QueryParam(value = "limit", defaultValue = "10") int limit,
        @QueryParam("q") String q) {
      return "limit=" + limit + " q=" + q;
    }

    @Get("/count")
    public String count(@QueryParam("n") int n) {
      return "n=" + n;
    }

    @Get("/color")
    public String color(@QueryParam("c") Color c) {
      return "color=" + c;
    }

    @Get("/flag")
    public String flag(@QueryParam("on") boolean on) {
      return "on=" + on;
    }

    @Get("/sleep")
    public String sleep(@QueryParam("ms") @Range(min = 0, max = 1000) long ms) {
      return "ms=" + ms;
    }

    @Get("/ratio")
    public String ratio(@QueryParam("r") @Range(min = 0, max = 1) double r) {
      return "r=" + r;
    }

    @Get("/min")
    public String min(@QueryParam(value = "v", defaultValue = "1") @Range(min = 1) Integer v) {
      return "v=" + v;
    }

    @Get("/tenant")
    public String tenant(@HeaderParam("X-Tenant") String tenant,
        @HeaderParam("X-Count") @Range(min = 1, max = 5) Integer count) {
      return tenant + "/" + count;
    }

    @Get("/level")
    public String level(@HeaderParam("x-level") int level) {
      return "level=" + level;
    }
  }

  static Stream<Arguments> accepted() {
    return Stream.of(
        Arguments.of("/items/42", Map.of(), "item 42"),
        Arguments.of("/items/-7", Map.of(), "item -7"),
        Arguments.of("/items/9223372036854775807", Map.of(), "item 9223372036854775807"),
        Arguments.of("/orders/A-1/lines/3", Map.of(), "A-1#3"),
        Arguments.of("/uuid/123e4567-e89b-12d3-a456-426614174000", Map.of(),
            "123e4567-e89b-12d3-a456-426614174000"),
        Arguments.of("/page", Map.of(), "limit=10 q=null"),
        Arguments.of("/page?limit=3&q=shoes", Map.of(), "limit=3 q=shoes"),
        Arguments.of("/page?q=red%20shoes", Map.of(), "limit=10 q=red shoes"),
        Arguments.of("/count?n=0", Map.of(), "n=0"),
        Arguments.of("/color?c=red", Map.of(), "color=RED"),
        Arguments.of("/color?c=GREEN", Map.of(), "color=GREEN"),
        Arguments.of("/color", Map.of(), "color=null"),
        Arguments.of("/flag?on=true", Map.of(), "on=true"),
        Arguments.of("/flag?on=FALSE", Map.of(), "on=false"),
        Arguments.of("/sleep?ms=0", Map.of(), "ms=0"),
        Arguments.of("/sleep?ms=1000", Map.of(), "ms=1000"),
        Arguments.of("/ratio?r=0.25", Map.of(), "r=0.25"),
        Arguments.of("/min", Map.of(), "v=1"),
        Arguments.of("/min?v=7", Map.of(), "v=7"),
        Arguments.of("/tenant", Map.of(), "null/null"),
        Arguments.of("/tenant", Map.of("X-Tenant", "acme", "X-Count", "3"), "acme/3"),
        Arguments.of("/tenant", Map.of("x-tenant", "lower"), "lower/null"),
        Arguments.of("/level", Map.of("X-Level", "2"), "level=2"));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("accepted")
  void validParameters_areConverted(String path, Map<String, String> headers, String expected) {
    HttpResponse<String> response = server.send(request(path, headers));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.body()).isEqualTo(expected);
  }

  static Stream<Arguments> refused() {
    return Stream.of(
        Arguments.of("/items/abc", Map.of(), "path parameter 'id' must be an integer, but was 'abc'"),
        Arguments.of("/items/99999999999999999999", Map.of(),
            "path parameter 'id' must be an integer, but was '99999999999999999999'"),
        Arguments.of("/orders/A-1/lines/x", Map.of(),
            "path parameter 'line' must be an integer, but was 'x'"),
        Arguments.of("/uuid/nope", Map.of(), "path parameter 'u' must be a UUID, but was 'nope'"),
        Arguments.of("/page?limit=ten", Map.of(),
            "query parameter 'limit' must be an integer, but was 'ten'"),
        Arguments.of("/count", Map.of(), "missing query parameter 'n'"),
        Arguments.of("/color?c=purple", Map.of(),
            "query parameter 'c' must be one of red green, but was 'purple'"),
        Arguments.of("/flag?on=yes", Map.of(), "query parameter 'on' must be true or false, but was 'yes'"),
        Arguments.of("/flag", Map.of(), "missing query parameter 'on'"),
        Arguments.of("/sleep?ms=5000", Map.of(),
            "query parameter 'ms' must be between 0 and 1000, but was 5000"),
        Arguments.of("/sleep?ms=-1", Map.of(),
            "query parameter 'ms' must be between 0 and 1000, but was -1"),
        Arguments.of("/ratio?r=1.5", Map.of(), "query parameter 'r' must be between 0 and 1, but was 1.5"),
        Arguments.of("/ratio?r=NaN", Map.of(), "query parameter 'r' must be between 0 and 1, but was NaN"),
        Arguments.of("/min?v=0", Map.of(), "query parameter 'v' must be >= 1, but was 0"),
        Arguments.of("/tenant", Map.of("X-Count", "9"), "header 'X-Count' must be between 1 and 5, but was 9"),
        Arguments.of("/tenant", Map.of("X-Count", "many"),
            "header 'X-Count' must be an integer, but was 'many'"),
        Arguments.of("/level", Map.of(), "missing header 'x-level'"));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("refused")
  void invalidParameters_answer400NamingTheParameter(String path, Map<String, String> headers,
      String expected) {
    HttpResponse<String> response = server.send(request(path, headers));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(Http.error(response)).isEqualTo(expected);
  }

  private static HttpRequest request(String path, Map<String, String> headers) {
    HttpRequest.Builder b = server.request(path).GET();
    headers.forEach(b::header);
    return b.build();
  }
}
