package dev.bulwark.web.impl;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PathTemplateTest {

  @Test
  void wholeSegmentParameters_matchPlainPaths_andGiveTheirValuesInPathOrder() {
    PathTemplate t = PathTemplate.parse("/items/{id}/tags/{tag}");
    assertThat(t).isNotNull();
    assertThat(t.hasParameters()).isTrue();
    assertThat(t.match("/items/7/tags/red")).containsExactly("7", "red");
    assertThat(t.index("id")).isZero();
    assertThat(t.index("tag")).isEqualTo(1);
    assertThat(t.index("other")).isEqualTo(-1);
    assertThat(t.match("/items/a+b;c=d/tags/x.y")).containsExactly("a+b;c=d", "x.y");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "/items/7/tags", "/items/7/tags/red/more", "/items/7/tag/red", "/Items/7/tags/red",
      "/items//tags/red", "/items/7/tags/red/", "/items/%37/tags/red", "/items/./tags/red",
      "/items/../tags/red", "items/7/tags/red", "/", ""})
  void pathsTheRouterMightReadDifferently_orThatDoNotFit_doNotMatch(String path) {
    assertThat(PathTemplate.parse("/items/{id}/tags/{tag}").match(path)).isNull();
  }

  @Test
  void anExactTemplate_matchesOnlyItself() {
    PathTemplate t = PathTemplate.parse("/hello");
    assertThat(t.hasParameters()).isFalse();
    assertThat(t.match("/hello")).isEmpty();
    assertThat(t.match("/hello/")).isNull();
    assertThat(t.match("/hell")).isNull();
    assertThat(t.match("/hello/x")).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"/files/{name}.txt", "/a/{x}{y}", "/a/", "/", "/a//b", "/a/:x", "/a/*", "relative",
      "/a/%41", "/a/./b"})
  void templatesThatAreNotWholePlainSegments_areLeftToTheRouter(String template) {
    assertThat(PathTemplate.parse(template)).isNull();
  }

  @Test
  void overlap_isAboutSomePathMatchingBoth() {
    assertThat(PathTemplate.overlap("/things/{id}", "/things/latest")).isTrue();
    assertThat(PathTemplate.overlap("/things/{id}", "/things/{name}")).isTrue();
    assertThat(PathTemplate.overlap("/a/{x}/c", "/a/b/{y}")).isTrue();
    assertThat(PathTemplate.overlap("/things/{id}", "/others/{id}")).isFalse();
    assertThat(PathTemplate.overlap("/things/{id}", "/things/{id}/more")).isFalse();
    assertThat(PathTemplate.overlap("/files/{name}.txt", "/files/{id}")).isTrue();
  }
}
