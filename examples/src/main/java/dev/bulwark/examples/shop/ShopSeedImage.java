package dev.bulwark.examples.shop;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * Writes the embedded database's seed image: an H2 database file holding the shop's tables and
 * their generated rows, built by {@link ShopSchema}'s own statements and compacted. The build runs
 * it ({@code exec-maven-plugin}, {@code process-classes}) into the classes, so the jar carries it as
 * {@link ShopSchema#SEED_IMAGE}; a start on an in-memory file system URL ({@code jdbc:h2:memFS:},
 * the default) copies it in before its first connection instead of inserting the rows.
 *
 * <p>Usage: {@code ShopSeedImage CLASSES_DIR}: writes {@code CLASSES_DIR/}{@link ShopSchema#SEED_IMAGE}, the
 * one place that names the image's path.
 */
public final class ShopSeedImage {

  private ShopSeedImage() {
  }

  public static void main(String[] args) throws IOException, SQLException {
    if (args.length != 1) {
      throw new IllegalArgumentException("usage: ShopSeedImage CLASSES_DIR, but got " + args.length
          + " arguments");
    }
    write(Path.of(args[0]).resolve(ShopSchema.SEED_IMAGE));
  }

  /** Builds the image in a temporary directory and moves it to {@code out}. */
  static void write(Path out) throws IOException, SQLException {
    Path dir = Files.createTempDirectory("shop-seed-image");
    try {
      Path base = dir.resolve("shop").toAbsolutePath();
      // The driver directly, not DriverManager: a build plugin's class loader need not be the
      // one DriverManager finds drivers through.
      try (Connection c = new org.h2.Driver().connect("jdbc:h2:file:" + base, new Properties())) {
        ShopSchema.build(c, false);
        try (Statement s = c.createStatement()) {
          s.execute("SHUTDOWN COMPACT");
        }
      }
      Path image = dir.resolve("shop.mv.db");
      Files.createDirectories(out.toAbsolutePath().getParent());
      Files.move(image, out, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      try (Stream<Path> paths = Files.walk(dir)) {
        for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }
}
