package dev.bulwark.web;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * A handler result that carries a status and headers with its body. The body is encoded like a
 * plain return value ({@code String} as text, {@code Buffer}/{@code byte[]} as bytes, anything
 * else as JSON); a {@code null} body sends none. Immutable; the {@code with*} methods return
 * copies, so instances may be shared between threads.
 *
 * @param <T> the body type
 */
public final class Response<T> {

  private final int status;
  private final List<Map.Entry<String, String>> headers;
  private final T body;

  private Response(int status, List<Map.Entry<String, String>> headers, T body) {
    if (status < 100 || status > 599) {
      throw new IllegalArgumentException("status must be between 100 and 599, but was " + status);
    }
    this.status = status;
    this.headers = headers;
    this.body = body;
  }

  /** 200 with {@code body}. */
  public static <T> Response<T> ok(T body) {
    return new Response<>(200, List.of(), body);
  }

  /** {@code status} with {@code body}. */
  public static <T> Response<T> of(int status, T body) {
    return new Response<>(status, List.of(), body);
  }

  /** {@code status} without a body. */
  public static <T> Response<T> status(int status) {
    return new Response<>(status, List.of(), null);
  }

  /** 201 with a {@code Location} header and {@code body}. */
  public static <T> Response<T> created(String location, T body) {
    return new Response<T>(201, List.of(), body).withHeader("Location", location);
  }

  /** A copy with one more header (headers keep their order; a name may repeat). */
  public Response<T> withHeader(String name, String value) {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("header name must not be empty, but was '" + name + "'");
    }
    if (value == null) {
      throw new IllegalArgumentException("header " + name + " value must not be null");
    }
    List<Map.Entry<String, String>> copy = new ArrayList<>(headers.size() + 1);
    copy.addAll(headers);
    copy.add(Map.entry(name, value));
    return new Response<>(status, Collections.unmodifiableList(copy), body);
  }

  /** The HTTP status. */
  public int status() {
    return status;
  }

  /** The headers in the order they were added. */
  public List<Map.Entry<String, String>> headers() {
    return headers;
  }

  /** The body, or {@code null} for none. */
  public T body() {
    return body;
  }
}
