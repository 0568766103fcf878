package dev.bulwark.web.impl;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import dev.bulwark.web.Response;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.lang.reflect.Type;
import java.util.Map;

/**
 * Writes a handler's (synchronous) result as the response. One is chosen per route at start from
 * the declared result type; {@link #dynamic} chooses per value when the type says too little.
 * Immutable and thread-safe; called on the event loop.
 *
 * <ul>
 *   <li>{@code void} or a {@code null} result: 204 without a body;
 *   <li>{@code String}: {@code text/plain; charset=utf-8};
 *   <li>{@code Buffer}, {@code byte[]}: {@code application/octet-stream};
 *   <li>{@link Response}: its status and headers, its body by these same rules;
 *   <li>anything else: JSON through Jackson.
 * </ul>
 */
@FunctionalInterface
interface ResultWriter {

  CharSequence TEXT = HttpHeaders.createOptimized("text/plain; charset=utf-8");
  CharSequence JSON = HttpHeaders.createOptimized("application/json");
  CharSequence OCTETS = HttpHeaders.createOptimized("application/octet-stream");

  /**
   * Writes {@code value} with the default status 200 (204 for no body); JSON encoding failures
   * are thrown (answered as 500 by the caller).
   */
  default void write(RoutingContext ctx, Object value) throws Exception {
    write(ctx.response(), value);
  }

  /** Writes {@code value} on a bare response (the router-free fast path). */
  void write(HttpServerResponse response, Object value) throws Exception;

  static ResultWriter forType(Class<?> raw, Type generic, ObjectMapper mapper) {
    if (raw == void.class || raw == Void.class) {
      return (response, value) -> response.setStatusCode(204).end();
    }
    if (raw == String.class) {
      return (response, value) -> text(response, 200, (String) value);
    }
    if (raw == Buffer.class || raw == byte[].class) {
      return (response, value) -> bytes(response, 200, value);
    }
    if (raw == Object.class || raw == Response.class || raw.isInterface() && !isJsonContainer(raw)) {
      return dynamic(mapper);
    }
    ObjectWriter writer = mapper.writerFor(mapper.constructType(generic));
    return (response, value) -> json(response, 200, writer, value);
  }

  private static boolean isJsonContainer(Class<?> raw) {
    return java.util.Collection.class.isAssignableFrom(raw) || Map.class.isAssignableFrom(raw);
  }

  /** Chooses the encoding from the value's runtime class. */
  static ResultWriter dynamic(ObjectMapper mapper) {
    ObjectWriter writer = mapper.writer();
    return (response, value) -> writeValue(response, 200, value, writer);
  }

  private static void writeValue(HttpServerResponse response, int status, Object value,
      ObjectWriter writer) throws JsonProcessingException {
    if (value instanceof Response) {
      Response<?> r = (Response<?>) value;
      for (Map.Entry<String, String> h : r.headers()) {
        response.headers().add(h.getKey(), h.getValue());
      }
      writeValue(response, r.status(), r.body(), writer);
    } else if (value instanceof String) {
      text(response, status, (String) value);
    } else if (value instanceof Buffer || value instanceof byte[]) {
      bytes(response, status, value);
    } else {
      json(response, status, writer, value);
    }
  }

  private static void text(HttpServerResponse response, int status, String value) {
    if (value == null) {
      noContent(response, status);
      return;
    }
    response.setStatusCode(status);
    if (!response.headers().contains(HttpHeaders.CONTENT_TYPE)) {
      response.putHeader(HttpHeaders.CONTENT_TYPE, TEXT);
    }
    response.end(value);
  }

  private static void bytes(HttpServerResponse response, int status, Object value) {
    if (value == null) {
      noContent(response, status);
      return;
    }
    Buffer buffer = value instanceof Buffer ? (Buffer) value : Buffer.buffer((byte[]) value);
    response.setStatusCode(status);
    if (!response.headers().contains(HttpHeaders.CONTENT_TYPE)) {
      response.putHeader(HttpHeaders.CONTENT_TYPE, OCTETS);
    }
    response.end(buffer);
  }

  private static void json(HttpServerResponse response, int status, ObjectWriter writer,
      Object value) throws JsonProcessingException {
    if (value == null) {
      noContent(response, status);
      return;
    }
    byte[] bytes = writer.writeValueAsBytes(value);
    response.setStatusCode(status);
    if (!response.headers().contains(HttpHeaders.CONTENT_TYPE)) {
      response.putHeader(HttpHeaders.CONTENT_TYPE, JSON);
    }
    response.end(Buffer.buffer(bytes));
  }

  private static void noContent(HttpServerResponse response, int status) {
    response.setStatusCode(status == 200 ? 204 : status).end();
  }
}
