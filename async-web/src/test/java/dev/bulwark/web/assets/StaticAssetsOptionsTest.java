package dev.bulwark.web.assets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bulwark.web.StaticAssetsOptions;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every option is validated when set, with the option, the rule and the value. */
class StaticAssetsOptionsTest {

  @Test
  void defaults_areTheDocumentedConstants() {
    StaticAssetsOptions o = StaticAssetsOptions.builder().classpath("static-test").build();

    assertThat(o.prefix()).isEqualTo(StaticAssetsOptions.DEFAULT_PREFIX).isEqualTo("/assets");
    assertThat(o.hashLength()).isEqualTo(8);
    assertThat(o.cdnBaseUrl()).isEmpty();
    assertThat(o.staleHash()).isEqualTo(StaticAssetsOptions.StaleHash.SERVE_CURRENT);
    assertThat(o.compressionCacheBytes()).isEqualTo(16L << 20);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "x | prefix must start with '/', but was 'x'",
      "/ | prefix must be '/' and non-empty segments",
      "/assets/ | without a trailing '/'",
      "/a%2fb | but was '/a%2fb'",
      "/a/../b | prefix must not hold '.' or '..' segments, but was '/a/../b'",
  })
  void prefix_isValidated(String value, String message) {
    assertThatThrownBy(() -> StaticAssetsOptions.builder().prefix(value))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "cdn.example.com", "https://cdn.example.com/", "ftp://cdn.example.com", "https://cdn.example.com?x=1"})
  void cdnBaseUrl_isValidated(String value) {
    assertThatThrownBy(() -> StaticAssetsOptions.builder().cdnBaseUrl(value))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cdnBaseUrl must be").hasMessageContaining("but was '" + value + "'");
  }

  @Test
  void cdnBaseUrl_acceptsOriginsAndPaths() {
    assertThat(StaticAssetsOptions.builder().cdnBaseUrl("https://cdn.example.com/shop")
        .classpath("static-test").build().cdnBaseUrl()).isEqualTo("https://cdn.example.com/shop");
    assertThat(StaticAssetsOptions.builder().cdnBaseUrl("//cdn.example.com")
        .classpath("static-test").build().cdnBaseUrl()).isEqualTo("//cdn.example.com");
  }

  @Test
  void numbers_areValidated() {
    expect(b -> b.hashLength(7), "hashLength must be between 8 and 64, but was 7");
    expect(b -> b.hashLength(65), "hashLength must be between 8 and 64, but was 65");
    expect(b -> b.compressionCacheBytes(-1), "compressionCacheBytes must be >= 0, but was -1");
    expect(b -> b.maxCompressFileSize(0), "maxCompressFileSize must be >= 1, but was 0");
    expect(b -> b.maxFiles(0), "maxFiles must be >= 1, but was 0");
    expect(b -> b.maxClasspathBytes(0), "maxClasspathBytes must be >= 1, but was 0");
    expect(b -> b.name(" "), "name must not be blank, but was ' '");
    expect(b -> b.staleHash(null), "staleHash must not be null");
    expect(b -> b.classpath("/assets"), "classpath must be a relative folder name");
    expect(b -> b.classpath("a/../b"), "classpath must be a relative folder name");
    expect(b -> b.directory(Path.of("/no/such/dir")), "directory must be an existing directory, but was '/no/such/dir'");
  }

  @Test
  void sources_areExclusiveAndOneIsRequired() {
    assertThatThrownBy(() -> StaticAssetsOptions.builder().build())
        .isInstanceOf(IllegalStateException.class).hasMessage("one of directory or classpath must be set");
    assertThatThrownBy(() -> StaticAssetsOptions.builder().classpath("a").directory(Path.of(".")))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("exclusive");
  }

  private static void expect(Consumer<StaticAssetsOptions.Builder> setter, String message) {
    assertThatThrownBy(() -> setter.accept(StaticAssetsOptions.builder()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
  }
}
