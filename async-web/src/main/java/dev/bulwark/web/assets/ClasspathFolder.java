package dev.bulwark.web.assets;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * Copies a classpath folder, from a directory or a jar, into a fresh private temporary directory
 * (owner-only permissions) once at start, so that classpath assets are served exactly like a
 * directory: from the manifest, with {@code sendFile} and no copy through the heap. Bytes are
 * streamed to disk, never held whole in memory, and the total is bounded. Only the first
 * classpath entry holding the folder is used (as {@code ClassLoader.getResource} would). Entry
 * names that would leave the directory (zip slip), hidden names and symbolic links are skipped.
 * Jar entry times are kept as file times, so every instance of one build sends the same
 * {@code Last-Modified}. A jar must hold the folder's own directory entry ({@code assets/}), as
 * Maven's jar and shade plugins write it; that is how the folder is found. Used on one thread at
 * start.
 *
 * <p>The copy is deleted by {@link Extracted#close}, or by a shutdown hook when the JVM exits
 * first. A process killed outright (SIGKILL) cannot clean up, so each copy holds a hidden
 * {@code .owner} file with its process id, and every extraction first deletes the copies whose
 * owner is no longer alive. (A reused process id keeps a stale copy a while longer: harmless.)
 */
public final class ClasspathFolder {

  private static final String DIR_PREFIX = "bulwark-assets-";
  private static final String OWNER = ".owner";

  private ClasspathFolder() {
  }

  /** An extracted copy; {@link #close} deletes it. Thread-safe. */
  public static final class Extracted implements AutoCloseable {
    private final Path root;
    private final Thread hook;

    private Extracted(Path root) {
      this.root = root;
      this.hook = new Thread(() -> delete(root), "bulwark-assets-cleanup");
      Runtime.getRuntime().addShutdownHook(hook);
    }

    /** The directory holding the copy. */
    public Path root() {
      return root;
    }

    /** Deletes the copy (idempotent). */
    @Override
    public void close() {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // The hook is running or about to: it deletes the copy.
        return;
      }
      delete(root);
    }
  }

  /**
   * Extracts {@code folder} into a new temporary directory.
   *
   * @throws IllegalArgumentException when no classpath entry holds the folder
   * @throws IllegalStateException when it holds more than {@code maxBytes}
   */
  public static Extracted extract(ClassLoader loader, String folder, long maxBytes) {
    URL url = loader.getResource(folder);
    if (url == null) {
      throw new IllegalArgumentException("classpath folder '" + folder + "' not found");
    }
    Path target = null;
    try {
      sweepStale(Path.of(System.getProperty("java.io.tmpdir")));
      target = Files.createTempDirectory(DIR_PREFIX);
      Files.writeString(target.resolve(OWNER), Long.toString(ProcessHandle.current().pid()));
      long[] total = {0};
      if (url.getProtocol().equals("file")) {
        copyDirectory(Path.of(url.toURI()), target, total, maxBytes);
      } else if (url.getProtocol().equals("jar")) {
        JarURLConnection connection = (JarURLConnection) url.openConnection();
        connection.setUseCaches(false);
        try (JarFile jar = connection.getJarFile()) {
          copyJar(jar, folder + "/", target, total, maxBytes);
        }
      } else {
        throw new IllegalArgumentException("classpath folder '" + folder + "' is at " + url
            + "; only directories and jars are supported");
      }
      return new Extracted(target);
    } catch (IOException e) {
      delete(target);
      throw new UncheckedIOException("cannot extract classpath folder '" + folder + "'", e);
    } catch (URISyntaxException e) {
      delete(target);
      throw new IllegalArgumentException("classpath folder '" + folder + "' has a bad URL " + url, e);
    } catch (RuntimeException e) {
      delete(target);
      throw e;
    }
  }

  private static void copyDirectory(Path source, Path target, long[] total, long maxBytes)
      throws IOException {
    Files.walkFileTree(source, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
        if (!dir.equals(source) && !AssetCatalog.servableName(dir.getFileName().toString())) {
          return FileVisitResult.SKIP_SUBTREE;
        }
        Files.createDirectories(target.resolve(source.relativize(dir).toString()));
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        if (attrs.isRegularFile() && AssetCatalog.servableName(file.getFileName().toString())) {
          Path out = target.resolve(source.relativize(file).toString());
          try (InputStream in = Files.newInputStream(file)) {
            copy(in, out, total, maxBytes);
          }
          Files.setLastModifiedTime(out, attrs.lastModifiedTime());
        }
        return FileVisitResult.CONTINUE;
      }
    });
  }

  private static void copyJar(JarFile jar, String prefix, Path target, long[] total, long maxBytes)
      throws IOException {
    Enumeration<JarEntry> entries = jar.entries();
    while (entries.hasMoreElements()) {
      JarEntry entry = entries.nextElement();
      String name = entry.getName();
      if (entry.isDirectory() || !name.startsWith(prefix) || name.length() == prefix.length()) {
        continue;
      }
      String relative = name.substring(prefix.length());
      boolean ok = true;
      for (String segment : relative.split("/", -1)) {
        ok &= AssetCatalog.servableName(segment) && !segment.equals("..");
      }
      Path out = target.resolve(relative).normalize();
      if (!ok || !out.startsWith(target) || out.equals(target)) {
        continue;
      }
      Files.createDirectories(out.getParent());
      try (InputStream in = jar.getInputStream(entry)) {
        copy(in, out, total, maxBytes);
      }
      FileTime time = entry.getLastModifiedTime();
      if (time != null) {
        Files.setLastModifiedTime(out, time);
      }
    }
  }

  private static void copy(InputStream in, Path out, long[] total, long maxBytes) throws IOException {
    byte[] buffer = new byte[16 * 1024];
    try (OutputStream os = Files.newOutputStream(out)) {
      for (int n; (n = in.read(buffer)) > 0; ) {
        total[0] += n;
        if (total[0] > maxBytes) {
          throw new IllegalStateException("classpath assets exceed maxClasspathBytes=" + maxBytes);
        }
        os.write(buffer, 0, n);
      }
    }
  }

  /** Deletes the copies under {@code tmp} whose owning process is gone. */
  static void sweepStale(Path tmp) throws IOException {
    try (Stream<Path> dirs = Files.list(tmp)) {
      for (Path dir : (Iterable<Path>) dirs::iterator) {
        Path owner = dir.resolve(OWNER);
        if (!dir.getFileName().toString().startsWith(DIR_PREFIX) || !Files.isRegularFile(owner)) {
          continue;
        }
        long pid;
        try {
          pid = Long.parseLong(Files.readString(owner).trim());
        } catch (NumberFormatException | IOException e) {
          continue;
        }
        if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
          continue;
        }
        try {
          delete(dir);
        } catch (UncheckedIOException e) {
          // Another process may be sweeping it at the same moment; the next start tries again.
        }
      }
    }
  }

  /** Deletes {@code dir} and everything under it; {@code null} is ignored. */
  public static void delete(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dir, e);
    }
  }
}
