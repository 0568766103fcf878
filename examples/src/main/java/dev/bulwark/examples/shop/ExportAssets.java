package dev.bulwark.examples.shop;

import dev.bulwark.web.StaticAssets;
import dev.bulwark.web.StaticAssetsOptions;
import io.vertx.core.Vertx;
import java.nio.file.Path;

/**
 * Writes the shop's bundle under its fingerprinted names (with {@code .gz} siblings and a hidden
 * {@code .manifest.json}) into a directory, for nginx to serve {@code /assets/} itself:
 * {@code java -cp bulwark-examples.jar dev.bulwark.examples.shop.ExportAssets DIR}. The names are
 * the ones the shop's {@code GET /} links, because both hash the same bytes. Runs once on the
 * main thread; exit status 2 on a usage error.
 */
public final class ExportAssets {

  private ExportAssets() {
  }

  public static void main(String[] args) {
    if (args.length != 1) {
      System.err.println("usage: ExportAssets DIR");
      System.exit(2);
    }
    Vertx vertx = Vertx.vertx();
    try (StaticAssets assets = StaticAssets.create(vertx,
        StaticAssetsOptions.builder().classpath(Shop.ASSETS_FOLDER).build())) {
      assets.exportTo(Path.of(args[0]));
      assets.manifest().forEach((name, hashed) -> System.out.println(name + " -> " + hashed));
    } finally {
      vertx.close();
    }
  }
}
