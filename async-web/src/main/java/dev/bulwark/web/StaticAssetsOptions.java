package dev.bulwark.web;

import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Immutable options of {@link StaticAssets}. Build with {@link #builder()}; every setter validates
 * its value at once and names the option, the rule and the value when it refuses one. Exactly one
 * source, {@link Builder#directory} or {@link Builder#classpath}, must be set. Thread-safe once
 * built.
 */
public final class StaticAssetsOptions {

  /** What a request for a file name with an outdated content hash gets. */
  public enum StaleHash {
    /** The current content, with {@code Cache-Control: no-cache} and the current ETag. */
    SERVE_CURRENT,
    /** 404, as Rails Propshaft does. */
    NOT_FOUND
  }

  /** Default {@code prefix}: {@code /assets}. */
  public static final String DEFAULT_PREFIX = "/assets";
  /** Default {@code cdnBaseUrl}: none ({@code ""}), so {@link StaticAssets#url} gives a path. */
  public static final String DEFAULT_CDN_BASE_URL = "";
  /** Default {@code hashLength}: 8 hex digits (32 bits) of the SHA-256 of the content. */
  public static final int DEFAULT_HASH_LENGTH = 8;
  /** Default {@code staleHash}: {@link StaleHash#SERVE_CURRENT} (see the module README). */
  public static final StaleHash DEFAULT_STALE_HASH = StaleHash.SERVE_CURRENT;
  /** Default {@code compressionCacheBytes}: 16 MiB of gzip output kept; 0 turns it off. */
  public static final long DEFAULT_COMPRESSION_CACHE_BYTES = 16L * 1024 * 1024;
  /** Default {@code maxCompressFileSize}: 1 MiB; larger files without a sibling go uncompressed. */
  public static final long DEFAULT_MAX_COMPRESS_FILE_SIZE = 1024L * 1024;
  /** Default {@code maxFiles}: 10,000 files in the manifest; more fails at start. */
  public static final int DEFAULT_MAX_FILES = 10_000;
  /** Default {@code maxClasspathBytes}: 256 MiB extracted from a classpath folder; more fails. */
  public static final long DEFAULT_MAX_CLASSPATH_BYTES = 256L * 1024 * 1024;
  /** Default {@code name}: {@code assets}, the {@code name} tag of the meters. */
  public static final String DEFAULT_NAME = "assets";

  private static final Pattern PREFIX = Pattern.compile("/[A-Za-z0-9._~!$&'()*+,;=:@-]+(/[A-Za-z0-9._~!$&'()*+,;=:@-]+)*");
  private static final Pattern CDN = Pattern.compile("(https?:)?//[^/?#\\s]+(/[^?#\\s]*)?");
  private static final Pattern CLASSPATH = Pattern.compile("[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*");

  private final String prefix;
  private final Path directory;
  private final String classpath;
  private final String cdnBaseUrl;
  private final int hashLength;
  private final StaleHash staleHash;
  private final long compressionCacheBytes;
  private final long maxCompressFileSize;
  private final int maxFiles;
  private final long maxClasspathBytes;
  private final String name;
  private final MeterRegistry meterRegistry;

  private StaticAssetsOptions(Builder b) {
    this.prefix = b.prefix;
    this.directory = b.directory;
    this.classpath = b.classpath;
    this.cdnBaseUrl = b.cdnBaseUrl;
    this.hashLength = b.hashLength;
    this.staleHash = b.staleHash;
    this.compressionCacheBytes = b.compressionCacheBytes;
    this.maxCompressFileSize = b.maxCompressFileSize;
    this.maxFiles = b.maxFiles;
    this.maxClasspathBytes = b.maxClasspathBytes;
    this.name = b.name;
    this.meterRegistry = b.meterRegistry;
  }

  /** A builder with every option at its default and no source. */
  public static Builder builder() {
    return new Builder();
  }

  /** The URL path prefix the files are served under, without a trailing slash. */
  public String prefix() {
    return prefix;
  }

  /** The directory served, or {@code null} when a classpath folder is. */
  public Path directory() {
    return directory;
  }

  /** The classpath folder served, or {@code null} when a directory is. */
  public String classpath() {
    return classpath;
  }

  /** The origin (and optional path) put before {@link #prefix()} in URLs, or {@code ""}. */
  public String cdnBaseUrl() {
    return cdnBaseUrl;
  }

  /** Hex digits of the content's SHA-256 in a fingerprinted name. */
  public int hashLength() {
    return hashLength;
  }

  /** What a stale fingerprint gets. */
  public StaleHash staleHash() {
    return staleHash;
  }

  /** Bytes of gzip output kept in memory for files without a precompressed sibling. */
  public long compressionCacheBytes() {
    return compressionCacheBytes;
  }

  /** The largest file compressed on the fly, in bytes. */
  public long maxCompressFileSize() {
    return maxCompressFileSize;
  }

  /** The most files the manifest may hold. */
  public int maxFiles() {
    return maxFiles;
  }

  /** The most bytes extracted from a classpath folder. */
  public long maxClasspathBytes() {
    return maxClasspathBytes;
  }

  /** The {@code name} tag of the meters. */
  public String name() {
    return name;
  }

  /** Where the meters go, or {@code null} for none. */
  public MeterRegistry meterRegistry() {
    return meterRegistry;
  }

  /** Builds {@link StaticAssetsOptions}; not thread-safe. */
  public static final class Builder {
    private String prefix = DEFAULT_PREFIX;
    private Path directory;
    private String classpath;
    private String cdnBaseUrl = DEFAULT_CDN_BASE_URL;
    private int hashLength = DEFAULT_HASH_LENGTH;
    private StaleHash staleHash = DEFAULT_STALE_HASH;
    private long compressionCacheBytes = DEFAULT_COMPRESSION_CACHE_BYTES;
    private long maxCompressFileSize = DEFAULT_MAX_COMPRESS_FILE_SIZE;
    private int maxFiles = DEFAULT_MAX_FILES;
    private long maxClasspathBytes = DEFAULT_MAX_CLASSPATH_BYTES;
    private String name = DEFAULT_NAME;
    private MeterRegistry meterRegistry;

    private Builder() {
    }

    /**
     * The URL path prefix, e.g. {@code /assets}: starts with '/', does not end with one, and
     * holds only unreserved and sub-delimiter characters. Default {@link #DEFAULT_PREFIX}.
     */
    public Builder prefix(String prefix) {
      if (prefix == null || !prefix.startsWith("/")) {
        throw new IllegalArgumentException("prefix must start with '/', but was '" + prefix + "'");
      }
      if (!PREFIX.matcher(prefix).matches()) {
        throw new IllegalArgumentException("prefix must be '/' and non-empty segments of URL path "
            + "characters without a trailing '/' or '%', but was '" + prefix + "'");
      }
      for (String segment : prefix.substring(1).split("/")) {
        if (segment.equals(".") || segment.equals("..")) {
          throw new IllegalArgumentException("prefix must not hold '.' or '..' segments, but was '"
              + prefix + "'");
        }
      }
      this.prefix = prefix;
      return this;
    }

    /** Serves the regular files under {@code directory} (which must exist). */
    public Builder directory(Path directory) {
      if (directory == null || !java.nio.file.Files.isDirectory(directory)) {
        throw new IllegalArgumentException("directory must be an existing directory, but was '"
            + directory + "'");
      }
      if (classpath != null) {
        throw new IllegalStateException("directory and classpath are exclusive, but classpath is '"
            + classpath + "'");
      }
      this.directory = directory;
      return this;
    }

    /**
     * Serves the resources under the classpath folder {@code folder} (e.g. {@code assets}; no
     * leading or trailing '/'), extracted once at start into a private temporary directory.
     */
    public Builder classpath(String folder) {
      if (folder == null || !CLASSPATH.matcher(folder).matches()
          || folder.matches("(.*/)?\\.{1,2}(/.*)?")) {
        throw new IllegalArgumentException("classpath must be a relative folder name such as "
            + "'assets' (no leading or trailing '/', no '.' or '..'), but was '" + folder + "'");
      }
      if (directory != null) {
        throw new IllegalStateException("directory and classpath are exclusive, but directory is '"
            + directory + "'");
      }
      this.classpath = folder;
      return this;
    }

    /**
     * The CDN origin put before the prefix in {@link StaticAssets#url}, e.g.
     * {@code https://cdn.example.com}: {@code http://}, {@code https://} or {@code //}, no
     * trailing '/', no query. {@code ""} for none. Default {@link #DEFAULT_CDN_BASE_URL}.
     */
    public Builder cdnBaseUrl(String cdnBaseUrl) {
      if (cdnBaseUrl == null) {
        throw new IllegalArgumentException("cdnBaseUrl must not be null; use \"\" for none");
      }
      if (!cdnBaseUrl.isEmpty() && (!CDN.matcher(cdnBaseUrl).matches() || cdnBaseUrl.endsWith("/"))) {
        throw new IllegalArgumentException("cdnBaseUrl must be 'http(s)://host[/path]' or "
            + "'//host[/path]' without a trailing '/', query or fragment, but was '" + cdnBaseUrl + "'");
      }
      this.cdnBaseUrl = cdnBaseUrl;
      return this;
    }

    /** Hex digits of the fingerprint, 8 to 64. Default {@link #DEFAULT_HASH_LENGTH}. */
    public Builder hashLength(int hashLength) {
      if (hashLength < 8 || hashLength > 64) {
        throw new IllegalArgumentException("hashLength must be between 8 and 64, but was " + hashLength);
      }
      this.hashLength = hashLength;
      return this;
    }

    /** What a stale fingerprint gets. Default {@link #DEFAULT_STALE_HASH}. */
    public Builder staleHash(StaleHash staleHash) {
      if (staleHash == null) {
        throw new IllegalArgumentException("staleHash must not be null");
      }
      this.staleHash = staleHash;
      return this;
    }

    /**
     * Bytes of gzip output kept for files without a sibling, >= 0 (0: never compress on the fly).
     * Default {@link #DEFAULT_COMPRESSION_CACHE_BYTES}.
     */
    public Builder compressionCacheBytes(long bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException("compressionCacheBytes must be >= 0, but was " + bytes);
      }
      this.compressionCacheBytes = bytes;
      return this;
    }

    /** The largest file compressed on the fly, >= 1 byte. Default {@link #DEFAULT_MAX_COMPRESS_FILE_SIZE}. */
    public Builder maxCompressFileSize(long bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("maxCompressFileSize must be >= 1, but was " + bytes);
      }
      this.maxCompressFileSize = bytes;
      return this;
    }

    /** The most files served, >= 1. Default {@link #DEFAULT_MAX_FILES}. */
    public Builder maxFiles(int maxFiles) {
      if (maxFiles < 1) {
        throw new IllegalArgumentException("maxFiles must be >= 1, but was " + maxFiles);
      }
      this.maxFiles = maxFiles;
      return this;
    }

    /** The most bytes extracted from a classpath folder, >= 1. Default {@link #DEFAULT_MAX_CLASSPATH_BYTES}. */
    public Builder maxClasspathBytes(long bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("maxClasspathBytes must be >= 1, but was " + bytes);
      }
      this.maxClasspathBytes = bytes;
      return this;
    }

    /** The {@code name} tag of the meters, non-empty. Default {@link #DEFAULT_NAME}. */
    public Builder name(String name) {
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("name must not be blank, but was '" + name + "'");
      }
      this.name = name;
      return this;
    }

    /** Where the meters go; {@code null} (the default) for none. */
    public Builder meterRegistry(MeterRegistry registry) {
      this.meterRegistry = registry;
      return this;
    }

    /** @throws IllegalStateException when neither a directory nor a classpath folder is set */
    public StaticAssetsOptions build() {
      if (directory == null && classpath == null) {
        throw new IllegalStateException("one of directory or classpath must be set");
      }
      return new StaticAssetsOptions(this);
    }
  }
}
