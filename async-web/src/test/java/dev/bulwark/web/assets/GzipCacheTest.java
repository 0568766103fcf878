package dev.bulwark.web.assets;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The on-the-fly gzip cache: one computation per asset, bounded by bytes. */
class GzipCacheTest {

  private Vertx vertx;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static Asset asset(Path dir, String name, String content) throws Exception {
    return asset(dir, name, content.getBytes(StandardCharsets.UTF_8));
  }

  private static Asset asset(Path dir, String name, byte[] content) throws Exception {
    Path file = dir.resolve(name);
    Files.write(file, content);
    return new Asset(name, name, file, Files.size(file), 0, "\"x\"", ContentTypes.of(name), true, null, null);
  }

  private <T> T onContext(java.util.function.Supplier<Future<T>> action) throws Exception {
    Promise<T> result = Promise.promise();
    vertx.runOnContext(v -> action.get().onComplete(result));
    return result.future().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void concurrentFirstRequests_shareOneComputation(@TempDir Path dir) throws Exception {
    Asset a = asset(dir, "a.js", "let x = 1;\n".repeat(200));
    GzipCache cache = new GzipCache(vertx, 1 << 20, 1 << 20);

    List<Buffer> results = onContext(() -> {
      List<Future<Buffer>> all = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        all.add(cache.get(a));
      }
      return Future.all(all).map(cf -> {
        List<Buffer> list = new ArrayList<>();
        for (int i = 0; i < cf.size(); i++) {
          list.add(cf.resultAt(i));
        }
        return list;
      });
    });

    assertThat(results).allSatisfy(b -> assertThat(b).isSameAs(results.get(0)));
    assertThat(results.get(0).length()).isGreaterThan(0).isLessThan((int) a.length() / 4);
  }

  @Test
  void keptBytes_stayWithinTheBound(@TempDir Path dir) throws Exception {
    GzipCache cache = new GzipCache(vertx, 2000, 1 << 20);
    List<Integer> sizes = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      StringBuilder text = new StringBuilder();
      for (int j = 0; j < 400; j++) {
        text.append("line ").append(i * 1000 + j).append('\n');
      }
      Asset a = asset(dir, "f" + i + ".txt", text.toString());
      sizes.add(onContext(() -> cache.get(a)).length());
    }

    // Each output is 700-800 bytes: 2000 bytes hold two of the ten.
    assertThat(sizes).allSatisfy(s -> assertThat(s).isBetween(600, 1000));
    assertThat(cache.weightedSize()).isBetween(600L, 2000L);
  }

  @Test
  void incompressibleContent_isRememberedAsNotWorthIt(@TempDir Path dir) throws Exception {
    byte[] noise = new byte[4096];
    new java.util.Random(42).nextBytes(noise);
    Asset a = asset(dir, "noise.txt", noise);
    GzipCache cache = new GzipCache(vertx, 1 << 20, 1 << 20);

    assertThat(onContext(() -> cache.get(a)).length()).isZero();
    assertThat(cache.eligible(a)).isTrue();
    assertThat(new GzipCache(vertx, 1 << 20, 100).eligible(a)).as("over maxCompressFileSize").isFalse();
  }
}
