package dev.bulwark.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class KeysPropertyTest {

  @Property(tries = 3000)
  void distinctArgumentListsGiveDistinctKeys(@ForAll("argLists") List<Object> a,
      @ForAll("argLists") List<Object> b) {
    if (!a.equals(b)) {
      assertThat(Keys.encode(a.toArray())).isNotEqualTo(Keys.encode(b.toArray()));
    } else {
      assertThat(Keys.encode(a.toArray())).isEqualTo(Keys.encode(b.toArray()));
    }
  }

  @Property(tries = 1000)
  void keysAreDeterministicAndBounded(@ForAll("argLists") List<Object> a) {
    String k = Keys.encode(a.toArray());
    assertThat(k).isEqualTo(Keys.encode(a.toArray()));
    assertThat(k.length()).isLessThanOrEqualTo(Keys.MAX_PLAIN_LENGTH);
  }

  @Provide
  Arbitrary<List<Object>> argLists() {
    Arbitrary<String> tricky = Arbitraries.of("", "1", "1L", "S1:1", "N", ":", "|", "\u0000", "a:b", "I1:1", "#");
    Arbitrary<String> strings = Arbitraries.strings().ofMaxLength(150);
    Arbitrary<Object> small = Arbitraries.oneOf(
        Arbitraries.just(null),
        tricky.map(s -> (Object) s),
        strings.map(s -> (Object) s),
        Arbitraries.integers().between(-3, 3).map(i -> (Object) i),
        Arbitraries.longs().between(-3, 3).map(l -> (Object) l),
        Arbitraries.shorts().between((short) -2, (short) 2).map(s -> (Object) s),
        Arbitraries.doubles().between(-2, 2).ofScale(1).map(d -> (Object) d),
        Arbitraries.of(true, false).map(x -> (Object) x),
        Arbitraries.chars().map(c -> (Object) c),
        Arbitraries.integers().between(-2, 2).map(i -> (Object) Arrays.asList(i, String.valueOf(i))));
    return small.list().ofMaxSize(4);
  }
}
