package dev.bulwark.web.assets;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Turns the raw path of a request (after the prefix) into a logical asset name, or refuses it.
 * Each segment is percent-decoded exactly once, as strict UTF-8 (so overlong forms such as
 * {@code %c0%ae} are malformed), and must then be a plain file name: no '/', '\', NUL or other
 * control character, not empty, not {@code .} or {@code ..}. A double-encoded {@code %252e}
 * becomes the literal name {@code %2e}, which no asset has. Hidden names (a leading '.') are
 * answered as absent rather than refused, so their existence is not revealed. Stateless;
 * thread-safe.
 */
final class RequestPath {

  /** Longest raw path accepted, in characters. */
  static final int MAX_LENGTH = 1024;

  /** Why a path was refused: 400 (malformed) or 404 (hidden). */
  public static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;
    private final int status;

    Refused(int status, String message) {
      super(message, null, false, false);
      this.status = status;
    }

    /** The HTTP status to answer. */
    public int status() {
      return status;
    }
  }

  private RequestPath() {
  }

  /**
   * The logical name for {@code raw} (the request path after {@code prefix/}).
   *
   * @throws Refused with 400 or 404
   */
  public static String decode(String raw) throws Refused {
    if (raw.length() > MAX_LENGTH) {
      throw new Refused(400, "asset path longer than " + MAX_LENGTH + " characters");
    }
    for (int i = 0; i < raw.length(); i++) {
      if (raw.charAt(i) >= 0x80) {
        throw new Refused(400, "asset path has a raw non-ASCII character; percent-encode it");
      }
    }
    StringBuilder out = new StringBuilder(raw.length());
    int start = 0;
    while (true) {
      int slash = raw.indexOf('/', start);
      String segment = decodeSegment(raw.substring(start, slash < 0 ? raw.length() : slash));
      out.append(segment);
      if (slash < 0) {
        return out.toString();
      }
      out.append('/');
      start = slash + 1;
    }
  }

  private static String decodeSegment(String raw) throws Refused {
    if (raw.isEmpty()) {
      throw new Refused(400, "asset path has an empty segment");
    }
    String decoded = raw.indexOf('%') < 0 ? raw : percentDecode(raw);
    if (decoded.equals(".") || decoded.equals("..")) {
      throw new Refused(400, "asset path has a dot segment");
    }
    for (int i = 0; i < decoded.length(); i++) {
      char c = decoded.charAt(i);
      if (c == '/' || c == '\\') {
        throw new Refused(400, "asset path has an encoded or backslash separator");
      }
      if (c < 0x20 || c == 0x7f) {
        throw new Refused(400, "asset path has a control character");
      }
    }
    if (decoded.charAt(0) == '.') {
      throw new Refused(404, "no such asset");
    }
    return decoded;
  }

  private static String percentDecode(String raw) throws Refused {
    byte[] bytes = new byte[raw.length()];
    int n = 0;
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        int hi = i + 1 < raw.length() ? Character.digit(raw.charAt(i + 1), 16) : -1;
        int lo = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 2), 16) : -1;
        if (hi < 0 || lo < 0) {
          throw new Refused(400, "asset path has a malformed percent escape");
        }
        bytes[n++] = (byte) (hi << 4 | lo);
        i += 2;
      } else {
        bytes[n++] = (byte) c;
      }
    }
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    try {
      return decoder.decode(ByteBuffer.wrap(bytes, 0, n)).toString();
    } catch (CharacterCodingException e) {
      throw new Refused(400, "asset path is not valid UTF-8");
    }
  }
}
