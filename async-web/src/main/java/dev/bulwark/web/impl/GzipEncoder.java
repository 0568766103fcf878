package dev.bulwark.web.impl;

import io.vertx.core.buffer.Buffer;
import java.util.Locale;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * gzip (RFC 1952) for one streamed response: each {@link #compress} returns the bytes so far,
 * sync-flushed so the client can decode everything it has received (an SSE event arrives whole);
 * {@link #finish} returns the rest and the trailer. Not thread-safe: used on the response's event
 * loop only. Streams compress themselves, instead of Netty's compressor in every connection's
 * pipeline, so that small responses (the bulk of requests) pay nothing for it.
 */
final class GzipEncoder {

  private static final byte[] HEADER = {0x1f, (byte) 0x8b, Deflater.DEFLATED, 0, 0, 0, 0, 0, 0, (byte) 0xff};

  private final Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
  private final CRC32 crc = new CRC32();
  private final byte[] out = new byte[32 * 1024];
  private boolean headerSent;
  private long size;

  /** Whether an {@code Accept-Encoding} value admits gzip (present and not {@code q=0}). */
  static boolean accepted(String acceptEncoding) {
    if (acceptEncoding == null) {
      return false;
    }
    for (String part : acceptEncoding.toLowerCase(Locale.ROOT).split(",")) {
      String[] fields = part.trim().split(";");
      if (!fields[0].trim().equals("gzip") && !fields[0].trim().equals("x-gzip")) {
        continue;
      }
      for (int i = 1; i < fields.length; i++) {
        String f = fields[i].trim();
        if (f.startsWith("q=")) {
          try {
            return Double.parseDouble(f.substring(2)) > 0;
          } catch (NumberFormatException e) {
            return false;
          }
        }
      }
      return true;
    }
    return false;
  }

  Buffer compress(Buffer plain) {
    byte[] bytes = plain.getBytes();
    crc.update(bytes);
    size += bytes.length;
    deflater.setInput(bytes);
    Buffer result = start();
    drain(result, Deflater.SYNC_FLUSH);
    return result;
  }

  Buffer finish() {
    Buffer result = start();
    deflater.finish();
    while (!deflater.finished()) {
      int n = deflater.deflate(out, 0, out.length, Deflater.NO_FLUSH);
      result.appendBytes(out, 0, n);
    }
    deflater.end();
    result.appendIntLE((int) crc.getValue()).appendIntLE((int) size);
    return result;
  }

  /** Releases the deflater's native memory when the response ends without {@link #finish}. */
  void abandon() {
    deflater.end();
  }

  private Buffer start() {
    Buffer b = Buffer.buffer(1024);
    if (!headerSent) {
      headerSent = true;
      b.appendBytes(HEADER);
    }
    return b;
  }

  private void drain(Buffer result, int flush) {
    int n;
    do {
      n = deflater.deflate(out, 0, out.length, flush);
      result.appendBytes(out, 0, n);
    } while (n == out.length);
  }
}
