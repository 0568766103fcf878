package dev.bulwark.web.impl;

import dev.bulwark.core.Overloaded;
import dev.bulwark.web.HttpException;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns failures into JSON error responses: {@code {"error": "..."}} with the right status,
 * {@code Retry-After} on overload, and for unexpected failures a 500 that carries a request id
 * also written to the log with the stack trace (never sent to the client). Stateless but for a
 * request-id counter; thread-safe. Called on the event loop.
 */
public final class Errors {

  private static final Logger LOG = LoggerFactory.getLogger(Errors.class);
  /** The content type of every error answer. */
  static final String CONTENT_TYPE = "application/json";

  private static final CharSequence JSON = HttpHeaders.createOptimized(CONTENT_TYPE);
  private static final AtomicLong REQUEST_IDS = new AtomicLong();
  private static final String ID_PREFIX = Long.toString(System.currentTimeMillis() % 1_000_000, 36);

  private Errors() {
  }

  /** Answers {@code failure} on {@code request}'s response, if it can still be answered. */
  public static void handle(HttpServerRequest request, Throwable failure) {
    Throwable f = unwrap(failure);
    if (f instanceof HttpException) {
      HttpException h = (HttpException) f;
      send(request.response(), h.status(), h.getMessage());
    } else if (f instanceof Overloaded) {
      long seconds = Math.max(1, ((Overloaded) f).retryAfter().toSeconds());
      HttpServerResponse response = request.response();
      if (!response.headWritten()) {
        response.putHeader(HttpHeaders.RETRY_AFTER, Long.toString(seconds));
      }
      send(request.response(), 503, "overloaded, retry after " + seconds + "s");
    } else if (request.response().closed()) {
      // The connection is gone (the client left, or a broken request closed it): nobody to
      // answer, and nothing the server did wrong, so no error log.
      LOG.debug("request {} {} ended with its connection closed: {}", request.method(),
          clip(request.uri()), f.toString());
    } else {
      String id = ID_PREFIX + "-" + REQUEST_IDS.incrementAndGet();
      LOG.atError().setCause(f).addKeyValue("request_id", id)
          .log("request {} {} {} failed", id, request.method(), request.uri());
      HttpServerResponse response = request.response();
      if (!response.headWritten()) {
        response.putHeader("X-Request-Id", id);
      }
      send(request.response(), 500, "internal server error (request id " + id + ")");
    }
  }

  /** Sends {@code {"error": message}} with {@code status}; if the head was already sent, resets. */
  public static void send(HttpServerResponse response, int status, String message) {
    if (response.ended() || response.closed()) {
      return;
    }
    if (response.headWritten()) {
      // Too late for a status: cut the response so the client sees it is incomplete.
      response.reset();
      return;
    }
    MultiMap headers = response.headers();
    headers.set(HttpHeaders.CONTENT_TYPE, JSON);
    headers.remove(HttpHeaders.CONTENT_LENGTH);
    response.setStatusCode(status).end(Buffer.buffer(body(message)));
  }

  /** The bytes of {@link #json(String)} in UTF-8: the body of every error answer. */
  static byte[] body(String message) {
    return json(message).getBytes(StandardCharsets.UTF_8);
  }

  /** {@code {"error":"<message, escaped>"}}. */
  static String json(String message) {
    StringBuilder sb = new StringBuilder(message.length() + 16).append("{\"error\":\"");
    for (int i = 0; i < message.length(); i++) {
      char c = message.charAt(i);
      switch (c) {
        case '"':
          sb.append("\\\"");
          break;
        case '\\':
          sb.append("\\\\");
          break;
        case '\n':
          sb.append("\\n");
          break;
        case '\r':
          sb.append("\\r");
          break;
        case '\t':
          sb.append("\\t");
          break;
        default:
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
      }
    }
    return sb.append("\"}").toString();
  }

  /** Shortens client-supplied text quoted in an error message. */
  static String clip(String text) {
    if (text == null) {
      return "";
    }
    return text.length() <= 100 ? text : text.substring(0, 100) + "...";
  }

  /** The failure inside {@code CompletionException} and {@code ExecutionException} wrappers. */
  static Throwable unwrap(Throwable t) {
    Throwable f = t;
    while ((f instanceof CompletionException || f instanceof java.util.concurrent.ExecutionException)
        && f.getCause() != null) {
      f = f.getCause();
    }
    return f;
  }
}
