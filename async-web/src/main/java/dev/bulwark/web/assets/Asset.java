package dev.bulwark.web.assets;

import java.nio.file.Path;

/**
 * One servable file as the manifest knows it: found and hashed at start, never changed after.
 * Immutable and thread-safe.
 *
 * @param name the logical name relative to the root, '/'-separated ({@code css/site.css})
 * @param hashedName the fingerprinted name ({@code css/site.3f9a2b1c.css})
 * @param file the file's real path, inside the root
 * @param length its size in bytes
 * @param lastModified its modification time, in epoch seconds
 * @param etag the strong ETag of the identity representation, quoted
 * @param contentType the {@code Content-Type} header value
 * @param compressible whether gzip is worth trying when there is no sibling
 * @param gzip a verified {@code .gz} sibling, or {@code null}
 * @param brotli a {@code .br} sibling, or {@code null}
 */
public record Asset(String name, String hashedName, Path file, long length, long lastModified,
    String etag, String contentType, boolean compressible, Sibling gzip, Sibling brotli) {

  /**
   * A precompressed file beside an asset.
   *
   * @param file its real path
   * @param length its size in bytes
   */
  public record Sibling(Path file, long length) {
  }

  /** The ETag of this asset compressed with {@code coding} ({@code gzip} or {@code br}). */
  public String etag(String coding) {
    return coding == null ? etag : etag.substring(0, etag.length() - 1) + "-" + coding + "\"";
  }
}
