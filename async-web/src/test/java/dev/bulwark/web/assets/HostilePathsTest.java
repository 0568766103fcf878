package dev.bulwark.web.assets;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hundreds of hostile request paths against a root planted beside a secret file (and holding
 * hidden files, a hidden manifest and symbolic links out of the root, all with the secret's
 * bytes): not one answer may carry the secret, and every refusal is a JSON 4xx.
 */
class HostilePathsTest {

  private static final byte[] SECRET = AssetTree.SECRET.getBytes(StandardCharsets.US_ASCII);
  private static final String[] DOTS = {"..", "%2e%2e", "%2E%2E", ".%2e", "%2e.", "%252e%252e",
      "%25252e%25252e", "%c0%ae%c0%ae", "%e0%80%ae%e0%80%ae", "%c0%2e%c0%2e", "..%00", "..%5c",
      "...", "....", "%2e%2e%00", ".%20."};
  private static final String[] SEPARATORS = {"/", "%2f", "%2F", "%252f", "\\", "%5c", "%5C",
      "%c0%af", "%e0%80%af", "%c1%9c"};
  private static final String[] TARGETS = {"secret.txt", "root/secret.txt", "etc/passwd"};
  private static final String[] DIRECT = {"/assets/.env", "/assets/%2eenv", "/assets/%2Eenv",
      "/assets/.git/config", "/assets/%2egit/config", "/assets/%2egit%2fconfig", "/assets/.git%2fconfig",
      "/assets/css/.private/key.txt", "/assets/css/%2eprivate/key.txt", "/assets/css%2f.private%2fkey.txt",
      "/assets/.manifest.json", "/assets/%2emanifest.json", "/assets/manifest.json",
      "/assets/assets-manifest.json", "/assets/link.txt", "/assets/link%2etxt", "/assets/up/secret.txt",
      "/assets/up%2fsecret.txt", "/assets/up/root/.env", "/assets/up", "/assets/up/", "/assets/",
      "/assets", "/assets//secret.txt", "/assets///etc/passwd", "/assets/%2fetc%2fpasswd",
      "/assets/%2f..%2fsecret.txt", "/assets/C:%5cWindows%5cwin.ini", "/assets/app.js%00",
      "/assets/app.js%00.png", "/assets/secret.txt%00", "/assets/%00", "/assets/app.js/",
      "/assets/app.js/..", "/assets/app.js/../../secret.txt", "/assets/css/site.css/..%2f..%2fsecret.txt",
      "/assets/%", "/assets/%2", "/assets/%zz", "/assets/%c0", "/assets/%ff%fe", "/assets/%ed%a0%80",
      "/assets/%f4%90%80%80", "/assets/%0d%0aX-Injected:%201", "/assets/app.js%0a",
      "/secret.txt", "/root/secret.txt", "/../secret.txt", "/assets../secret.txt", "/assetsX/app.js",
      "/ASSETS/app.js", "/./assets/../secret.txt", "/assets/./app.js", "/assets/css/./site.css",
      "/assets/css/../app.js", "/assets/%2e/app.js", "/assets/.", "/assets/..", "/assets/...",
      "/assets/~root", "/assets/app.js::$DATA", "/assets/APP.JS", "/assets/link.txt%00.js",
      "/assets/up%5csecret.txt", "/assets/..%c0%afsecret.txt", "/assets/%u002e%u002e/secret.txt",
      "*", "/assets/" + "a/".repeat(600) + "x"};

  private static AssetTree tree;

  @BeforeAll
  @BeforeContainer
  static void start() throws Exception {
    if (tree == null) {
      tree = AssetTree.start(b -> b);
    }
  }

  @AfterAll
  @AfterContainer
  static void stop() throws Exception {
    if (tree != null) {
      tree.close();
      tree = null;
    }
  }

  static Stream<String> hostilePaths() {
    Set<String> paths = new LinkedHashSet<>();
    for (String dots : DOTS) {
      for (String sep : SEPARATORS) {
        for (String target : TARGETS) {
          paths.add("/assets/" + dots + sep + target);
          paths.add("/assets/css/" + dots + sep + dots + sep + target);
        }
        paths.add("/assets/" + dots + sep + dots + sep + dots + sep + "secret.txt");
      }
    }
    paths.addAll(List.of(DIRECT));
    return paths.stream();
  }

  @Test
  void theListHoldsAtLeast200Paths() {
    assertThat(hostilePaths().count()).isGreaterThanOrEqualTo(200);
  }

  @ParameterizedTest
  @MethodSource("hostilePaths")
  void hostilePath_isRefusedWithJson4xxAndNeverLeaks(String path) {
    RawHttp.Answer r = tree.get(path, "Accept-Encoding: gzip, br");

    assertThat(RawHttp.indexOf(r.body(), SECRET)).as("secret bytes in the answer to %s", path).isEqualTo(-1);
    assertThat(r.status()).as("status for %s", path).isBetween(400, 499);
    assertThat(r.header("content-type")).as("content type for %s", path).isEqualTo("application/json");
    assertThat(r.text()).as("body for %s", path).startsWith("{\"error\":\"").endsWith("\"}");
  }

  @Provide
  Arbitrary<String> composedPaths() {
    Arbitrary<String> piece = Arbitraries.of("..", "%2e%2e", ".", "%2e", "%252e", "%c0%ae", "/", "%2f",
        "%5c", "\\", "%00", "secret.txt", "root", "up", "link.txt", ".env", ".git", "config",
        "css", "site.css", "app.js", ".manifest.json", "%2e%2e%2f", "%25", "~", ";", "assets");
    return piece.list().ofMinSize(1).ofMaxSize(8).map(list -> "/assets/" + String.join("", list));
  }

  /** Random compositions may name a real file: then the answer is that file, never the secret. */
  @Property(tries = 300)
  void composedPath_neverLeaksAndAnswersAFileOrJson4xx(@ForAll("composedPaths") String path)
      throws Exception {
    start();
    RawHttp.Answer r = tree.get(path);

    assertThat(RawHttp.indexOf(r.body(), SECRET)).as("secret bytes in the answer to %s", path).isEqualTo(-1);
    if (r.status() == 200) {
      List<String> files = new ArrayList<>(tree.assets.manifest().keySet());
      boolean isAFile = false;
      for (String f : files) {
        isAFile |= java.util.Arrays.equals(r.body(), java.nio.file.Files.readAllBytes(tree.root.resolve(f)));
      }
      assertThat(isAFile).as("200 for %s carries a file of the root", path).isTrue();
    } else {
      assertThat(r.status()).as("status for %s", path).isBetween(400, 499);
      assertThat(r.text()).as("body for %s", path).startsWith("{\"error\":\"");
    }
  }
}
