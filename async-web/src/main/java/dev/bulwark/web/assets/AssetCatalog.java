package dev.bulwark.web.assets;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;

/**
 * The manifest: every servable file under a root, found and hashed once at start, and the table
 * that answers which file, if any, a request name means.
 *
 * <p>Design note. Requests never reach the file system by name: a request is answered only from
 * this table, built by walking the root once. So a path that leaves the root cannot be served
 * whatever its spelling; the walk itself skips hidden files and folders (any segment starting with
 * '.'), symbolic links whose target is outside the root, names a URL cannot carry safely
 * (backslash, control characters), and turns {@code X.gz}/{@code X.br} beside an {@code X} into
 * that file's precompressed siblings (a {@code .gz} is decompressed and must hash to {@code X}'s
 * content, or start fails: a stale sibling would serve old bytes under a new ETag). Folders
 * nested more than {@value #MAX_DEPTH} levels below the root are not walked. Files are assumed
 * not to change while served; restart to pick up new ones. Immutable once built; thread-safe.
 */
public final class AssetCatalog {

  /** How a request name resolved. */
  public enum Kind {
    /** The current fingerprinted name: cache forever. */
    HASHED,
    /** The logical name: revalidate. */
    PLAIN,
    /** A fingerprint of the right shape that is not the current one: revalidate (or 404). */
    STALE
  }

  /** A resolved request: the asset and how it was named. */
  public record Hit(Asset asset, Kind kind) {
  }

  private static final int MAX_DEPTH = 32;

  private final Map<String, Asset> byName;
  private final Map<String, Asset> byHashedName;
  private final Map<String, String> manifest;
  private final int hashLength;

  private AssetCatalog(Map<String, Asset> byName, Map<String, Asset> byHashedName, int hashLength) {
    this.byName = byName;
    this.byHashedName = byHashedName;
    this.hashLength = hashLength;
    Map<String, String> m = new TreeMap<>();
    byName.forEach((k, v) -> m.put(k, v.hashedName()));
    this.manifest = Collections.unmodifiableMap(m);
  }

  /**
   * Walks {@code root} and hashes every servable file. Blocks on file I/O.
   *
   * @throws IllegalStateException when more than {@code maxFiles} files are found, two names
   *     collide, or a {@code .gz} sibling does not match its file
   * @throws UncheckedIOException when the root cannot be read
   */
  public static AssetCatalog scan(Path root, int hashLength, int maxFiles) {
    Path realRoot;
    Map<String, Path> files = new TreeMap<>();
    Map<String, Long> modified = new HashMap<>();
    try {
      realRoot = root.toRealPath();
      Files.walkFileTree(realRoot, EnumSet.noneOf(java.nio.file.FileVisitOption.class), MAX_DEPTH,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
              return dir.equals(realRoot) || servableName(dir.getFileName().toString())
                  ? FileVisitResult.CONTINUE : FileVisitResult.SKIP_SUBTREE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
              String relative = realRoot.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
              if (!servablePath(relative)) {
                return FileVisitResult.CONTINUE;
              }
              Path target = file;
              if (attrs.isSymbolicLink()) {
                if (!Files.exists(file)) {
                  return FileVisitResult.CONTINUE;
                }
                target = file.toRealPath();
                if (!target.startsWith(realRoot) || !Files.isRegularFile(target)) {
                  return FileVisitResult.CONTINUE;
                }
              } else if (!attrs.isRegularFile()) {
                return FileVisitResult.CONTINUE;
              }
              if (files.size() >= maxFiles) {
                throw new IllegalStateException("more than maxFiles=" + maxFiles + " files under " + realRoot);
              }
              files.put(relative, target);
              modified.put(relative, Files.getLastModifiedTime(target).toMillis() / 1000);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read asset root " + root, e);
    }
    Map<String, Asset> byName = new LinkedHashMap<>();
    Map<String, Asset> byHashed = new HashMap<>();
    for (Map.Entry<String, Path> e : files.entrySet()) {
      String name = e.getKey();
      if (isSibling(name, files)) {
        continue;
      }
      Asset asset = describe(name, e.getValue(), modified.get(name), files, hashLength);
      byName.put(name, asset);
      Asset clash = byHashed.put(asset.hashedName(), asset);
      if (clash != null || files.containsKey(asset.hashedName())) {
        throw new IllegalStateException("fingerprinted name " + asset.hashedName()
            + " of " + name + " collides with another file");
      }
    }
    return new AssetCatalog(Collections.unmodifiableMap(byName), Collections.unmodifiableMap(byHashed),
        hashLength);
  }

  /** Logical name to fingerprinted name, sorted by logical name. */
  public Map<String, String> manifest() {
    return manifest;
  }

  /** The asset with logical name {@code name}, or {@code null}. */
  public Asset byName(String name) {
    return byName.get(name);
  }

  /** Every asset, in logical-name order. */
  public Iterable<Asset> assets() {
    return byName.values();
  }

  /** Resolves a decoded, validated request name; {@code null} when it names no asset. */
  public Hit resolve(String name) {
    Asset a = byHashedName.get(name);
    if (a != null) {
      return new Hit(a, Kind.HASHED);
    }
    a = byName.get(name);
    if (a != null) {
      return new Hit(a, Kind.PLAIN);
    }
    String unhashed = stripFingerprint(name, hashLength);
    a = unhashed == null ? null : byName.get(unhashed);
    return a == null ? null : new Hit(a, Kind.STALE);
  }

  /** {@code name} with a fingerprint of {@code length} hex digits removed, or {@code null}. */
  static String stripFingerprint(String name, int length) {
    int slash = name.lastIndexOf('/');
    String file = name.substring(slash + 1);
    int lastDot = file.lastIndexOf('.');
    if (lastDot < 1) {
      return null;
    }
    // Either stem.HASH.ext or stem.HASH (no extension).
    int hashStart = file.lastIndexOf('.', lastDot - 1) + 1;
    if (hashStart > 1 && lastDot - hashStart == length && hex(file, hashStart, lastDot)) {
      return name.substring(0, slash + 1) + file.substring(0, hashStart - 1) + file.substring(lastDot);
    }
    if (file.length() - lastDot - 1 == length && hex(file, lastDot + 1, file.length())) {
      return name.substring(0, slash + 1) + file.substring(0, lastDot);
    }
    return null;
  }

  private static boolean hex(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
        return false;
      }
    }
    return true;
  }

  /** {@code css/site.css} with {@code hash} as {@code css/site.HASH.css}. */
  static String fingerprint(String name, String hash) {
    int slash = name.lastIndexOf('/');
    int dot = name.lastIndexOf('.');
    if (dot <= slash + 1) {
      return name + "." + hash;
    }
    return name.substring(0, dot) + "." + hash + name.substring(dot);
  }

  private static boolean isSibling(String name, Map<String, Path> files) {
    return (name.endsWith(".gz") || name.endsWith(".br"))
        && files.containsKey(name.substring(0, name.length() - 3));
  }

  private static Asset describe(String name, Path file, long lastModified, Map<String, Path> files,
      int hashLength) {
    try {
      long length = Files.size(file);
      String hex;
      try (InputStream in = Files.newInputStream(file)) {
        hex = sha256(in);
      }
      Asset.Sibling gz = null;
      Path gzFile = files.get(name + ".gz");
      if (gzFile != null) {
        String inside;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(gzFile))) {
          inside = sha256(in);
        }
        if (!inside.equals(hex)) {
          throw new IllegalStateException("precompressed " + name + ".gz does not hold the bytes of "
              + name + "; rebuild it or delete it");
        }
        gz = new Asset.Sibling(gzFile, Files.size(gzFile));
      }
      Path brFile = files.get(name + ".br");
      Asset.Sibling br = brFile == null ? null : new Asset.Sibling(brFile, Files.size(brFile));
      String type = ContentTypes.of(name);
      return new Asset(name, fingerprint(name, hex.substring(0, hashLength)), file, length,
          lastModified, "\"" + hex.substring(0, 32) + "\"", type, ContentTypes.compressible(type), gz, br);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read asset " + file, e);
    }
  }

  private static String sha256(InputStream in) throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
    byte[] buffer = new byte[16 * 1024];
    for (int n; (n = in.read(buffer)) > 0; ) {
      digest.update(buffer, 0, n);
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  /** Whether a file or folder name may be served: not hidden, no backslash or control character. */
  static boolean servableName(String segment) {
    if (segment.isEmpty() || segment.charAt(0) == '.') {
      return false;
    }
    for (int i = 0; i < segment.length(); i++) {
      char c = segment.charAt(i);
      if (c < 0x20 || c == 0x7f || c == '\\') {
        return false;
      }
    }
    return true;
  }

  private static boolean servablePath(String relative) {
    for (String segment : relative.split("/", -1)) {
      if (!servableName(segment)) {
        return false;
      }
    }
    return true;
  }
}
