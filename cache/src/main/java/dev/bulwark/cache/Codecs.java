package dev.bulwark.cache;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import java.util.Objects;

/**
 * The codecs Bulwark ships: JSON through Jackson with a declared type, and raw bytes. Neither can
 * instantiate a class named by the data. Thread-safe (the codecs are immutable).
 */
public final class Codecs {

  private static final Codec<byte[]> BYTES = new Codec<>() {
    @Override
    public byte[] encode(byte[] value) {
      return value;
    }

    @Override
    public byte[] decode(byte[] bytes) {
      return bytes;
    }

    @Override
    public String toString() {
      return "Codecs.bytes()";
    }
  };

  private Codecs() {
  }

  /** Raw bytes, stored as they are. */
  public static Codec<byte[]> bytes() {
    return BYTES;
  }

  /**
   * JSON through a copy of {@code mapper} with default typing turned off, reading always as
   * {@code type}: the bytes cannot choose which class is instantiated. Bytes after the value fail
   * the decode; Jackson's read constraints bound nesting depth and the length of numbers and
   * strings.
   */
  public static <V> Codec<V> json(ObjectMapper mapper, JavaType type) {
    Objects.requireNonNull(mapper, "mapper");
    Objects.requireNonNull(type, "type");
    ObjectMapper safe = mapper.copy().deactivateDefaultTyping();
    // Bytes after the value were not written by encode: refuse them rather than ignore them.
    ObjectReader reader = safe.readerFor(type).with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    ObjectWriter writer = safe.writerFor(type);
    return new Codec<>() {
      @Override
      public byte[] encode(V value) throws Exception {
        return writer.writeValueAsBytes(value);
      }

      @Override
      public V decode(byte[] bytes) throws Exception {
        return reader.readValue(bytes);
      }

      @Override
      public String toString() {
        return "Codecs.json(" + type + ")";
      }
    };
  }

  /** JSON for a non-generic class; see {@link #json(ObjectMapper, JavaType)}. */
  public static <V> Codec<V> json(ObjectMapper mapper, Class<V> type) {
    return json(mapper, mapper.constructType(type));
  }
}
