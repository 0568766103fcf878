package dev.bulwark.web.impl;

import dev.bulwark.cache.Codec;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * An encoded HTTP response as the response cache keeps it: status, the headers that are safe to
 * replay, the body and its strong ETag (a hash of the body). Immutable.
 */
record CachedResponse(int status, List<String[]> headers, byte[] body, String etag) {

  static final int FORMAT = 1;

  static CachedResponse of(int status, List<String[]> headers, byte[] body) {
    return new CachedResponse(status, List.copyOf(headers), body, etag(body));
  }

  static String etag(byte[] body) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(body);
      return '"' + Base64.getUrlEncoder().withoutPadding().encodeToString(digest).substring(0, 27) + '"';
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /**
   * A plain binary layout (format byte, status, headers, body, ETag) — no Java serialization.
   * Bytes that do not parse throw, which the cache counts as a miss.
   */
  static final Codec<CachedResponse> CODEC = new Codec<>() {
    @Override
    public byte[] encode(CachedResponse r) {
      try {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(r.body().length + 128);
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeByte(FORMAT);
        out.writeShort(r.status());
        out.writeShort(r.headers().size());
        for (String[] h : r.headers()) {
          out.writeUTF(h[0]);
          out.writeUTF(h[1]);
        }
        out.writeInt(r.body().length);
        out.write(r.body());
        out.writeUTF(r.etag());
        return bytes.toByteArray();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public CachedResponse decode(byte[] data) {
      try {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(data));
        if (in.readByte() != FORMAT) {
          throw new IllegalArgumentException("not a cached response");
        }
        int status = in.readShort();
        if (status < 100 || status > 599) {
          throw new IllegalArgumentException("bad status " + status);
        }
        int n = in.readShort();
        if (n < 0 || n > 100) {
          throw new IllegalArgumentException("bad header count " + n);
        }
        List<String[]> headers = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          headers.add(new String[] {in.readUTF(), in.readUTF()});
        }
        int length = in.readInt();
        if (length < 0 || length > data.length) {
          throw new IllegalArgumentException("bad body length " + length);
        }
        byte[] body = in.readNBytes(length);
        if (body.length != length) {
          throw new IllegalArgumentException("truncated body");
        }
        String etag = in.readUTF();
        if (in.available() != 0) {
          throw new IllegalArgumentException("trailing bytes");
        }
        return new CachedResponse(status, List.copyOf(headers), body, etag);
      } catch (IOException e) {
        throw new IllegalArgumentException("not a cached response", e);
      }
    }
  };

  /**
   * Records what {@link ResultWriter} encodes, as a {@link CachedResponse}: the response cache's
   * side of the encoding stage. One per load; confined to the event loop.
   */
  static final class Recorder implements ResultWriter.Sink {
    private int status = 200;
    private final List<String[]> headers = new ArrayList<>(2);
    private byte[] body;

    @Override
    public void status(int status) {
      this.status = status;
    }

    @Override
    public void header(CharSequence name, CharSequence value) {
      headers.add(new String[] {name.toString(), value.toString()});
    }

    @Override
    public boolean hasHeader(CharSequence name) {
      for (String[] h : headers) {
        if (h[0].equalsIgnoreCase(name.toString())) {
          return true;
        }
      }
      return false;
    }

    @Override
    public void end(String text) {
      body = text.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void end(Buffer bytes) {
      body = bytes.getBytes();
    }

    @Override
    public void end() {
      body = new byte[0];
    }

    /** The recorded response; the writer must have ended it. */
    CachedResponse response() {
      if (body == null) {
        throw new IllegalStateException("the result writer did not end the response");
      }
      return of(status, headers, body);
    }
  }

  /** The body as text, for logs and tests. */
  String bodyText() {
    return new String(body, StandardCharsets.UTF_8);
  }
}
