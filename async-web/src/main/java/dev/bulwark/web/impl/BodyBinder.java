package dev.bulwark.web.impl;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.bulwark.web.HttpException;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;

/**
 * Binds a {@code @Body} parameter: raw ({@code String}, {@code byte[]}, {@code Buffer}) or JSON
 * decoded by a Jackson reader prepared at start for the parameter's generic type. On a route that
 * runs on a worker pool, the pipeline calls it on the worker, so parsing never holds the event
 * loop. Immutable and thread-safe.
 */
final class BodyBinder implements ParamBinder {

  private final Class<?> rawType;
  private final ObjectReader reader;

  BodyBinder(Class<?> rawType, ObjectReader reader) {
    this.rawType = rawType;
    this.reader = reader;
  }

  /** Whether the body is decoded as JSON (work worth moving off the event loop). */
  boolean json() {
    return reader != null;
  }

  @Override
  public Object bind(Exchange exchange) {
    Buffer buffer = exchange.body();
    if (rawType == Buffer.class) {
      return buffer == null ? Buffer.buffer() : buffer;
    }
    if (rawType == byte[].class) {
      return buffer == null ? new byte[0] : buffer.getBytes();
    }
    if (rawType == String.class) {
      return buffer == null ? "" : buffer.toString(java.nio.charset.StandardCharsets.UTF_8);
    }
    String contentType = exchange.header("Content-Type");
    if (!isJson(contentType)) {
      throw new HttpException(415, "request body must be application/json, but Content-Type was "
          + (contentType == null ? "absent" : "'" + Errors.clip(contentType) + "'"));
    }
    if (buffer == null || buffer.length() == 0) {
      throw HttpException.badRequest("request body is empty; expected JSON");
    }
    Object value;
    try {
      value = reader.readValue(buffer.getBytes());
    } catch (UnrecognizedPropertyException e) {
      throw HttpException.badRequest("invalid JSON body at " + path(e) + ": unknown field '"
          + Errors.clip(e.getPropertyName()) + "'");
    } catch (MismatchedInputException e) {
      Class<?> target = e.getTargetType();
      throw HttpException.badRequest("invalid JSON body at " + path(e) + ": expected "
          + (target == null ? "another value" : describe(target)));
    } catch (JsonProcessingException e) {
      throw HttpException.badRequest("malformed JSON body" + at(e));
    } catch (IOException e) {
      throw HttpException.badRequest("unreadable JSON body");
    }
    if (value == null) {
      throw HttpException.badRequest("request body must not be JSON null");
    }
    return value;
  }

  /** {@code $[3].name}: where in the document the bad value is. */
  private static String path(JsonMappingException e) {
    StringBuilder sb = new StringBuilder("$");
    for (JsonMappingException.Reference r : e.getPath()) {
      if (r.getFieldName() != null) {
        sb.append('.').append(Errors.clip(r.getFieldName()));
      } else if (r.getIndex() >= 0) {
        sb.append('[').append(r.getIndex()).append(']');
      }
    }
    return sb.toString();
  }

  private static String describe(Class<?> type) {
    if (type == String.class || type == Character.class || type == char.class) {
      return "a string";
    }
    if (Number.class.isAssignableFrom(type) || type.isPrimitive() && type != boolean.class) {
      return "a number";
    }
    if (type == Boolean.class || type == boolean.class) {
      return "true or false";
    }
    if (java.util.Collection.class.isAssignableFrom(type) || type.isArray()) {
      return "an array";
    }
    return "an object";
  }

  private static String at(JsonProcessingException e) {
    return e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column "
        + e.getLocation().getColumnNr();
  }

  static boolean isJson(String contentType) {
    if (contentType == null) {
      return false;
    }
    int semi = contentType.indexOf(';');
    String mime = (semi < 0 ? contentType : contentType.substring(0, semi)).trim()
        .toLowerCase(java.util.Locale.ROOT);
    return mime.equals("application/json") || mime.endsWith("+json");
  }
}
