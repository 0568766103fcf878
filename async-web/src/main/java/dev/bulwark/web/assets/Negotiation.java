package dev.bulwark.web.assets;

import java.util.Locale;

/**
 * Request header parsing for static files: {@code Accept-Encoding} with quality values
 * (RFC 9110 12.5.3), {@code Range} with one byte range (RFC 9110 14.2) and entity-tag lists
 * (RFC 9110 13.1.2). Stateless; thread-safe.
 */
final class Negotiation {

  private Negotiation() {
  }

  /**
   * The coding to send, {@code "br"}, {@code "gzip"} or {@code null} (identity): the acceptable
   * one (q > 0) with the highest quality among those offered, br on a tie.
   */
  public static String chooseEncoding(String acceptEncoding, boolean brOffered, boolean gzipOffered) {
    if (acceptEncoding == null || !brOffered && !gzipOffered) {
      return null;
    }
    double br = -1;
    double gzip = -1;
    double any = -1;
    for (String part : acceptEncoding.split(",")) {
      String[] pieces = part.split(";");
      String coding = pieces[0].trim().toLowerCase(Locale.ROOT);
      double q = 1;
      for (int i = 1; i < pieces.length; i++) {
        String param = pieces[i].trim();
        if (param.length() > 2 && (param.charAt(0) == 'q' || param.charAt(0) == 'Q') && param.charAt(1) == '=') {
          q = quality(param.substring(2).trim());
        }
      }
      switch (coding) {
        case "br":
          br = Math.max(br, q);
          break;
        case "gzip":
        case "x-gzip":
          gzip = Math.max(gzip, q);
          break;
        case "*":
          any = Math.max(any, q);
          break;
        default:
          break;
      }
    }
    double qBr = brOffered ? (br >= 0 ? br : any) : -1;
    double qGzip = gzipOffered ? (gzip >= 0 ? gzip : any) : -1;
    if (qBr <= 0 && qGzip <= 0) {
      return null;
    }
    return qBr >= qGzip ? "br" : "gzip";
  }

  private static double quality(String value) {
    try {
      double q = Double.parseDouble(value);
      return q >= 0 && q <= 1 ? q : 0;
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** A satisfiable byte range, both ends inclusive. */
  public record ByteRange(long first, long last) {
    /** Its length in bytes. */
    public long length() {
      return last - first + 1;
    }
  }

  /** The range is syntactically fine but outside the file: 416. */
  public static final ByteRange UNSATISFIABLE = new ByteRange(-1, -2);

  /**
   * The one byte range {@code header} asks of a file of {@code length} bytes: a range,
   * {@link #UNSATISFIABLE}, or {@code null} when the header is absent, not of bytes, malformed or
   * asks for several ranges (then the whole file is sent, as RFC 9110 allows).
   */
  public static ByteRange range(String header, long length) {
    if (header == null || header.length() < 7 || !header.regionMatches(true, 0, "bytes=", 0, 6)) {
      return null;
    }
    String spec = header.substring(6).trim();
    if (spec.indexOf(',') >= 0) {
      return null;
    }
    int dash = spec.indexOf('-');
    if (dash < 0) {
      return null;
    }
    String a = spec.substring(0, dash).trim();
    String b = spec.substring(dash + 1).trim();
    if (a.isEmpty()) {
      long suffix = number(b);
      if (suffix < 0) {
        return null;
      }
      if (suffix == 0 || length == 0) {
        return UNSATISFIABLE;
      }
      return new ByteRange(Math.max(0, length - suffix), length - 1);
    }
    long first = number(a);
    long last = b.isEmpty() ? Long.MAX_VALUE : number(b);
    if (first < 0 || last < 0 || last < first) {
      return null;
    }
    if (first >= length) {
      return UNSATISFIABLE;
    }
    return new ByteRange(first, Math.min(last, length - 1));
  }

  private static long number(String s) {
    if (s.isEmpty() || s.length() > 18) {
      return -1;
    }
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') {
        return -1;
      }
    }
    return Long.parseLong(s);
  }

  /**
   * Whether an {@code If-None-Match} value matches {@code etag} by weak comparison:
   * {@code *} or any listed tag with the same opaque value, {@code W/} or not.
   */
  public static boolean noneMatchHits(String ifNoneMatch, String etag) {
    for (String raw : ifNoneMatch.split(",")) {
      String tag = raw.trim();
      if (tag.equals("*")) {
        return true;
      }
      if (tag.startsWith("W/")) {
        tag = tag.substring(2);
      }
      if (tag.equals(etag)) {
        return true;
      }
    }
    return false;
  }
}
