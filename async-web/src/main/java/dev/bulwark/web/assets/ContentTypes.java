package dev.bulwark.web.assets;

import java.util.Locale;
import java.util.Map;

/**
 * {@code Content-Type} by file extension, with {@code charset=utf-8} on every textual type, and
 * which types are worth compressing. A fixed table, so the answer does not depend on the host's
 * mime.types. Stateless; thread-safe.
 */
final class ContentTypes {

  /** The type of a file whose extension is not in the table. */
  public static final String DEFAULT = "application/octet-stream";
  private static final String UTF8 = "; charset=utf-8";

  private static final Map<String, String> BY_EXTENSION = Map.ofEntries(
      Map.entry("html", "text/html" + UTF8),
      Map.entry("htm", "text/html" + UTF8),
      Map.entry("css", "text/css" + UTF8),
      Map.entry("js", "text/javascript" + UTF8),
      Map.entry("mjs", "text/javascript" + UTF8),
      Map.entry("map", "application/json" + UTF8),
      Map.entry("json", "application/json" + UTF8),
      Map.entry("webmanifest", "application/manifest+json" + UTF8),
      Map.entry("txt", "text/plain" + UTF8),
      Map.entry("csv", "text/csv" + UTF8),
      Map.entry("md", "text/markdown" + UTF8),
      Map.entry("xml", "application/xml" + UTF8),
      Map.entry("svg", "image/svg+xml" + UTF8),
      Map.entry("png", "image/png"),
      Map.entry("jpg", "image/jpeg"),
      Map.entry("jpeg", "image/jpeg"),
      Map.entry("gif", "image/gif"),
      Map.entry("webp", "image/webp"),
      Map.entry("avif", "image/avif"),
      Map.entry("ico", "image/x-icon"),
      Map.entry("woff", "font/woff"),
      Map.entry("woff2", "font/woff2"),
      Map.entry("ttf", "font/ttf"),
      Map.entry("otf", "font/otf"),
      Map.entry("wasm", "application/wasm"),
      Map.entry("pdf", "application/pdf"),
      Map.entry("zip", "application/zip"),
      Map.entry("gz", "application/gzip"),
      Map.entry("br", "application/octet-stream"),
      Map.entry("mp4", "video/mp4"),
      Map.entry("webm", "video/webm"),
      Map.entry("mp3", "audio/mpeg"));

  private ContentTypes() {
  }

  /** The {@code Content-Type} for {@code fileName} (a name or a '/'-separated path). */
  public static String of(String fileName) {
    String ext = extension(fileName);
    return ext == null ? DEFAULT : BY_EXTENSION.getOrDefault(ext, DEFAULT);
  }

  /** Whether a response of {@code contentType} shrinks with gzip (text, JSON, SVG, wasm, ...). */
  public static boolean compressible(String contentType) {
    return contentType.endsWith(UTF8) || contentType.equals("application/wasm")
        || contentType.equals("font/ttf") || contentType.equals("font/otf")
        || contentType.equals("image/x-icon");
  }

  private static String extension(String fileName) {
    int slash = fileName.lastIndexOf('/');
    int dot = fileName.lastIndexOf('.');
    return dot <= slash + 1 ? null : fileName.substring(dot + 1).toLowerCase(Locale.ROOT);
  }
}
