package dev.bulwark.web.assets;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;

/**
 * Writes the catalog's files under their fingerprinted names for a web server to serve directly:
 * each file, its {@code .br} sibling, and a {@code .gz} (the verified sibling, or one made here
 * when compressible and smaller). File times are kept, so {@code Last-Modified} matches what the
 * application sends. The manifest goes beside them as {@value #MANIFEST}: a hidden name, which
 * {@link AssetCatalog} never serves. Stateless; used on one thread.
 */
public final class Exporter {

  /** The file name of the exported manifest (JSON: logical name to fingerprinted name). */
  public static final String MANIFEST = ".manifest.json";

  private Exporter() {
  }

  /** Writes every asset of {@code catalog} into {@code directory} (created when missing). */
  public static void export(AssetCatalog catalog, Path directory) {
    try {
      Files.createDirectories(directory);
      Files.write(directory.resolve(MANIFEST),
          new com.fasterxml.jackson.databind.ObjectMapper().writerWithDefaultPrettyPrinter()
              .writeValueAsBytes(catalog.manifest()));
      for (Asset asset : catalog.assets()) {
        Path out = directory.resolve(asset.hashedName());
        Files.createDirectories(out.getParent());
        copy(asset.file(), out, asset);
        if (asset.brotli() != null) {
          copy(asset.brotli().file(), sibling(out, ".br"), asset);
        }
        if (asset.gzip() != null) {
          copy(asset.gzip().file(), sibling(out, ".gz"), asset);
        } else if (asset.compressible() && asset.length() >= GzipCache.MIN_SIZE) {
          byte[] gz = GzipCache.gzip(asset);
          if (gz != null) {
            Path gzOut = sibling(out, ".gz");
            Files.write(gzOut, gz);
            Files.setLastModifiedTime(gzOut, FileTime.fromMillis(asset.lastModified() * 1000));
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot export assets to " + directory, e);
    }
  }

  private static Path sibling(Path file, String suffix) {
    return file.resolveSibling(file.getFileName() + suffix);
  }

  private static void copy(Path from, Path to, Asset asset) throws IOException {
    Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
    Files.setLastModifiedTime(to, FileTime.fromMillis(asset.lastModified() * 1000));
  }
}
