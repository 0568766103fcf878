package dev.bulwark.cache;

/**
 * Turns values into bytes for the shared tier and back. Implementations must never instantiate
 * classes named by the bytes (no Java serialization, no polymorphic type ids): bytes in Redis are
 * untrusted input. Implementations must be thread-safe.
 *
 * @param <V> the value type
 */
public interface Codec<V> {

  /**
   * Encodes a value.
   *
   * @throws Exception when the value cannot be encoded; the value is then not stored in Redis
   */
  byte[] encode(V value) throws Exception;

  /**
   * Decodes bytes written by {@link #encode}.
   *
   * @throws Exception when the bytes are not a value of this codec; the cache treats that as a
   *     miss and counts it, never as an error to the caller
   */
  V decode(byte[] bytes) throws Exception;
}
