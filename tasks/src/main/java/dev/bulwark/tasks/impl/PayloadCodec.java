package dev.bulwark.tasks.impl;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.bulwark.tasks.InvalidPayloadException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * JSON for payloads and results (Jackson; never Java serialization). Decoding errors are turned
 * into messages that name the field by its JSON path ({@code items[2].name}). Thread-safe (the
 * mapper is configured once and then only read).
 */
final class PayloadCodec {

  private final ObjectMapper mapper = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true)
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

  /**
   * Encodes a payload or result.
   *
   * @throws InvalidPayloadException if Jackson cannot encode it
   */
  String encode(String type, Object value) {
    if (value instanceof JsonObject o) {
      return o.encode();
    }
    if (value instanceof JsonArray a) {
      return a.encode();
    }
    try {
      return mapper.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new InvalidPayloadException(type, fieldPath(e), "cannot be encoded as JSON: "
          + e.getOriginalMessage(), e);
    }
  }

  /**
   * Decodes JSON into {@code target}.
   *
   * @throws InvalidPayloadException naming the field and the problem
   */
  <P> P decode(String type, String json, Class<P> target) {
    try {
      if (target == JsonObject.class) {
        return target.cast(new JsonObject(json));
      }
      if (target == JsonArray.class) {
        return target.cast(new JsonArray(json));
      }
      return mapper.readValue(json, target);
    } catch (JsonProcessingException e) {
      throw new InvalidPayloadException(type, fieldPath(e), problem(e, target), e);
    } catch (RuntimeException e) {
      throw new InvalidPayloadException(type, null, "is not a JSON value of " + target.getSimpleName()
          + ": " + e.getMessage(), e);
    }
  }

  /** Decodes a stored result into plain values (Map, List, Number, String, Boolean). */
  Object decodeResult(String json) {
    try {
      return mapper.readValue(json, Object.class);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("stored result is not JSON: " + e.getOriginalMessage(), e);
    }
  }

  /** What is wrong, in words a client can act on, without Java class names. */
  private static String problem(JsonProcessingException e, Class<?> target) {
    if (e instanceof UnrecognizedPropertyException u) {
      List<String> known = new ArrayList<>();
      u.getKnownPropertyIds().forEach(k -> known.add(String.valueOf(k)));
      known.sort(null);
      return "is not a known field (known: " + String.join(", ", known) + ")";
    }
    if (e instanceof InvalidFormatException f) {
      return "must be " + kind(f.getTargetType()) + ", but was " + quoted(f.getValue());
    }
    if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
      return "must be " + kind(m.getTargetType()) + (e instanceof JsonMappingException me
          && me.getPath().isEmpty() ? " (payload type " + target.getSimpleName() + ")" : "");
    }
    String m = e.getOriginalMessage();
    if (m == null) {
      m = e.getClass().getSimpleName();
    }
    // Jackson appends hints and source locations after the first line.
    int nl = m.indexOf('\n');
    return nl > 0 ? m.substring(0, nl) : m;
  }

  private static String kind(Class<?> t) {
    if (t == int.class || t == Integer.class || t == long.class || t == Long.class
        || t == short.class || t == Short.class || t == java.math.BigInteger.class) {
      return "an integer";
    }
    if (t == double.class || t == Double.class || t == float.class || t == Float.class
        || t == java.math.BigDecimal.class) {
      return "a number";
    }
    if (t == boolean.class || t == Boolean.class) {
      return "true or false";
    }
    if (t == String.class || t == char.class || t == Character.class) {
      return "a string";
    }
    if (t.isEnum()) {
      List<String> names = new ArrayList<>();
      for (Object c : t.getEnumConstants()) {
        names.add(((Enum<?>) c).name());
      }
      return "one of " + String.join(", ", names);
    }
    if (t.isArray() || java.util.Collection.class.isAssignableFrom(t)) {
      return "an array";
    }
    return "an object";
  }

  private static String quoted(Object value) {
    return value instanceof String s ? "\"" + s + "\"" : String.valueOf(value);
  }

  private static String fieldPath(JsonProcessingException e) {
    if (!(e instanceof JsonMappingException me) || me.getPath().isEmpty()) {
      return null;
    }
    StringBuilder sb = new StringBuilder();
    for (JsonMappingException.Reference r : me.getPath()) {
      if (r.getFieldName() != null) {
        if (sb.length() > 0) {
          sb.append('.');
        }
        sb.append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        sb.append('[').append(r.getIndex()).append(']');
      }
    }
    return sb.toString();
  }
}
