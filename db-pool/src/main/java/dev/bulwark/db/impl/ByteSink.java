package dev.bulwark.db.impl;

import java.util.Arrays;

/**
 * A growable byte array reused row after row, so encoding a row allocates nothing once it has
 * grown to the widest row. Not thread-safe: one per stream, used by its producer only.
 */
final class ByteSink {

  private byte[] bytes = new byte[256];
  private int length;

  byte[] array() {
    return bytes;
  }

  int length() {
    return length;
  }

  void reset() {
    length = 0;
  }

  void put(byte b) {
    if (length == bytes.length) {
      grow(1);
    }
    bytes[length++] = b;
  }

  void put(byte[] src, int offset, int count) {
    if (length + count > bytes.length) {
      grow(count);
    }
    System.arraycopy(src, offset, bytes, length, count);
    length += count;
  }

  void put(byte[] src) {
    put(src, 0, src.length);
  }

  private void grow(int more) {
    bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
  }
}
