package dev.bulwark.web;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads one chunked HTTP/1.1 response from a raw socket, chunk by chunk, so a test can tell a
 * complete body (ended by the zero-length chunk) from a cut one (the connection closed first),
 * and can stop reading to let the server's buffers fill. Not thread-safe.
 */
final class ChunkedReader {

  private final InputStream in;
  private int status;
  private final Map<String, String> headers = new TreeMap<>();
  private boolean ended;

  ChunkedReader(Socket socket) throws IOException {
    this.in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
  }

  /** Reads the status line and headers; header names are lower case. */
  ChunkedReader readHead() throws IOException {
    String statusLine = line();
    status = Integer.parseInt(statusLine.split(" ")[1]);
    for (String l = line(); !l.isEmpty(); l = line()) {
      int colon = l.indexOf(':');
      headers.put(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), l.substring(colon + 1).trim());
    }
    return this;
  }

  int status() {
    return status;
  }

  Map<String, String> headers() {
    return headers;
  }

  /** Whether the terminating zero-length chunk was read. */
  boolean ended() {
    return ended;
  }

  /**
   * The next chunk's data, or null after the terminating chunk.
   *
   * @throws EOFException if the connection closes before the body's end
   */
  byte[] nextChunk() throws IOException {
    if (ended) {
      return null;
    }
    String sizeLine = line();
    int semicolon = sizeLine.indexOf(';');
    int size = Integer.parseInt(semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon), 16);
    if (size == 0) {
      for (String trailer = line(); !trailer.isEmpty(); trailer = line()) {
        // trailers are not used by the server; skip them
      }
      ended = true;
      return null;
    }
    byte[] data = in.readNBytes(size);
    if (data.length < size) {
      throw new EOFException("connection closed inside a chunk");
    }
    if (!line().isEmpty()) {
      throw new IOException("chunk data not followed by CRLF");
    }
    return data;
  }

  /** The whole remaining body; throws {@link EOFException} if it is cut. */
  String readBody() throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (byte[] c = nextChunk(); c != null; c = nextChunk()) {
      body.write(c);
    }
    return body.toString(StandardCharsets.UTF_8);
  }

  private String line() throws IOException {
    StringBuilder sb = new StringBuilder();
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException("connection closed after '" + sb + "'");
      }
      if (b == '\n') {
        int n = sb.length();
        return n > 0 && sb.charAt(n - 1) == '\r' ? sb.substring(0, n - 1) : sb.toString();
      }
      sb.append((char) b);
    }
  }
}
