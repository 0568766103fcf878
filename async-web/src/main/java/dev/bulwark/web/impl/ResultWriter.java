package dev.bulwark.web.impl;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import dev.bulwark.web.Response;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import java.lang.reflect.Type;
import java.util.Map;

/**
 * The encoding stage: turns a handler's (synchronous) result into status, headers and body, and
 * hands them to a {@link Sink}, which is either the response itself ({@link Exchange}) or the
 * response cache's recorder ({@link CachedResponse.Recorder}). So a cached answer and a direct
 * one are encoded by the same code. One writer is chosen per route at start from the declared
 * result type; {@link #dynamic} chooses per value when the type says too little. Immutable and
 * thread-safe; called on the event loop.
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

  /** Where an encoded response goes. Called on one thread; {@code end} exactly once. */
  interface Sink {
    void status(int status);

    void header(CharSequence name, CharSequence value);

    boolean hasHeader(CharSequence name);

    void end(String text);

    void end(Buffer bytes);

    void end();
  }

  /**
   * Encodes {@code value} with the default status 200 (204 for no body) into {@code out}; JSON
   * encoding failures are thrown before anything reaches {@code out} (answered as 500).
   */
  void write(Object value, Sink out) throws Exception;

  static ResultWriter forType(Class<?> raw, Type generic, ObjectMapper mapper) {
    if (raw == void.class || raw == Void.class) {
      return (value, out) -> {
        out.status(204);
        out.end();
      };
    }
    if (raw == String.class) {
      return new Text();
    }
    if (raw == Buffer.class || raw == byte[].class) {
      return (value, out) -> bytes(out, 200, value);
    }
    if (raw == Object.class || raw == Response.class || raw.isInterface() && !isJsonContainer(raw)) {
      return dynamic(mapper);
    }
    ObjectWriter writer = mapper.writerFor(mapper.constructType(generic));
    return (value, out) -> json(out, 200, writer, value);
  }

  /**
   * The writer of a route declared to return {@code String}: UTF-8 text. It keeps the bytes of
   * the last string it encoded, so a handler that returns the same instance every time (a
   * constant, as {@code /hello} does) has it encoded once instead of once per request; any other
   * string is encoded as before. The encoded bytes are shared by every response that sends them
   * and never written to. Thread-safe: the event loops of one route share it.
   */
  final class Text implements ResultWriter {

    /** A string and its encoding; final fields, so a racy read sees both or nothing. */
    private record Encoded(String text, Buffer bytes) {
    }

    // Benign race: event loops may overwrite each other's entry; each read sees a complete
    // entry, and an entry of another string fails the identity check and is replaced.
    private Encoded last;

    @Override
    public void write(Object value, Sink out) {
      String text = (String) value;
      if (text == null) {
        noContent(out, 200);
        return;
      }
      Encoded e = last;
      if (e == null || e.text != text) {
        e = new Encoded(text, Buffer.buffer(text));
        last = e;
      }
      typed(out, 200, TEXT);
      out.end(e.bytes);
    }
  }

  private static boolean isJsonContainer(Class<?> raw) {
    return java.util.Collection.class.isAssignableFrom(raw) || Map.class.isAssignableFrom(raw);
  }

  /** Chooses the encoding from the value's runtime class. */
  static ResultWriter dynamic(ObjectMapper mapper) {
    ObjectWriter writer = mapper.writer();
    return (value, out) -> writeValue(out, 200, value, writer);
  }

  private static void writeValue(Sink out, int status, Object value, ObjectWriter writer)
      throws Exception {
    if (value instanceof Response) {
      Response<?> r = (Response<?>) value;
      Object body = r.body();
      // Encode first: a failure must not leave the response's headers half set.
      byte[] json = body == null || body instanceof String || body instanceof Buffer
          || body instanceof byte[] ? null : writer.writeValueAsBytes(body);
      for (Map.Entry<String, String> h : r.headers()) {
        out.header(h.getKey(), h.getValue());
      }
      if (json != null) {
        typed(out, r.status(), JSON);
        out.end(Buffer.buffer(json));
      } else {
        writeValue(out, r.status(), body, writer);
      }
    } else if (value instanceof String) {
      text(out, status, (String) value);
    } else if (value instanceof Buffer || value instanceof byte[]) {
      bytes(out, status, value);
    } else {
      json(out, status, writer, value);
    }
  }

  private static void text(Sink out, int status, String value) {
    if (value == null) {
      noContent(out, status);
      return;
    }
    typed(out, status, TEXT);
    out.end(value);
  }

  private static void bytes(Sink out, int status, Object value) {
    if (value == null) {
      noContent(out, status);
      return;
    }
    typed(out, status, OCTETS);
    out.end(value instanceof Buffer ? (Buffer) value : Buffer.buffer((byte[]) value));
  }

  private static void json(Sink out, int status, ObjectWriter writer, Object value)
      throws Exception {
    if (value == null) {
      noContent(out, status);
      return;
    }
    byte[] bytes = writer.writeValueAsBytes(value);
    typed(out, status, JSON);
    out.end(Buffer.buffer(bytes));
  }

  private static void typed(Sink out, int status, CharSequence contentType) {
    out.status(status);
    if (!out.hasHeader(HttpHeaders.CONTENT_TYPE)) {
      out.header(HttpHeaders.CONTENT_TYPE, contentType);
    }
  }

  private static void noContent(Sink out, int status) {
    out.status(status == 200 ? 204 : status);
    out.end();
  }
}
