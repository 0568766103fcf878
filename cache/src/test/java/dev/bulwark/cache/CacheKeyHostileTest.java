package dev.bulwark.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bulwark.core.testing.Scorecard;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * Cache key injectivity under inputs made to collide: 100,000 pairs of argument lists, and
 * 100,000 pairs of HTTP requests, drawn from small alphabets full of the encoding's own
 * separators and tags ({@code :}, {@code S1:}, {@code N}, {@code L2:}, lengths, NUL, surrogates),
 * so that most pairs are equal or nearly so. Distinct inputs never share a key (0 collisions);
 * equal inputs always do. The HTTP key is built as the adapter builds it
 * ({@code CachedRouteHandler}): method, path template, path values, each declared query
 * parameter's values, each {@code Vary} header's values, as one {@link Keys#encode} list.
 */
class CacheKeyHostileTest {

  private static final AtomicLong ARG_CASES = new AtomicLong();
  private static final AtomicLong ARG_DISTINCT = new AtomicLong();
  private static final AtomicLong HTTP_CASES = new AtomicLong();
  private static final AtomicLong HTTP_DISTINCT = new AtomicLong();
  /** Distinct inputs that shared a key; counted before the assertion fails on one. */
  private static final AtomicLong COLLISIONS = new AtomicLong();

  /** A request as the cache key sees it. */
  record Request(String method, String template, List<String> pathValues,
      List<List<String>> queryValues, List<List<String>> varyValues,
      TreeMap<String, List<String>> allQuery) {

    /**
     * The key parts, in the adapter's order: a route that declares its query parameters keys on
     * their values; one that declares none keys on every parameter, sorted, name then values.
     */
    Object[] parts() {
      List<Object> parts = new ArrayList<>();
      parts.add(method);
      parts.add(template);
      parts.addAll(pathValues);
      if (queryValues.isEmpty()) {
        for (Map.Entry<String, List<String>> e : allQuery.entrySet()) {
          parts.add(e.getKey());
          parts.add(e.getValue());
        }
      } else {
        parts.addAll(queryValues);
      }
      parts.addAll(varyValues);
      return parts.toArray();
    }
  }

  /**
   * The routes of the model: a template fixes its shape (path parameters, declared query
   * parameters, Vary headers), as it does in the adapter.
   */
  private static final Map<String, int[]> ROUTES = Map.of(
      "/products/{id}", new int[] {1, 1, 1},
      "/products/{id}/reviews/{page}", new int[] {2, 2, 0},
      "/search", new int[] {0, 3, 2},
      "/s", new int[] {0, 1, 0},
      "/all", new int[] {0, 0, 1},
      "/", new int[] {0, 0, 0});

  @Property(tries = 100_000)
  void distinctArgumentLists_neverShareAKey(@ForAll("argLists") List<Object> a,
      @ForAll("argLists") List<Object> b) {
    ARG_CASES.incrementAndGet();
    String ka = Keys.encode(a.toArray());
    String kb = Keys.encode(b.toArray());
    if (sameArgs(a, b)) {
      assertThat(ka).isEqualTo(kb);
    } else {
      ARG_DISTINCT.incrementAndGet();
      if (ka.equals(kb)) {
        COLLISIONS.incrementAndGet();
      }
      assertThat(ka).as("key of %s and of %s", a, b).isNotEqualTo(kb);
    }
  }

  @Property(tries = 100_000)
  void distinctRequests_neverShareAKey(@ForAll("requests") Request a, @ForAll("requests") Request b) {
    HTTP_CASES.incrementAndGet();
    String ka = Keys.encode(a.parts());
    String kb = Keys.encode(b.parts());
    if (a.equals(b)) {
      assertThat(ka).isEqualTo(kb);
    } else {
      HTTP_DISTINCT.incrementAndGet();
      if (ka.equals(kb)) {
        COLLISIONS.incrementAndGet();
      }
      assertThat(ka).as("key of %s and of %s", a, b).isNotEqualTo(kb);
    }
  }

  @AfterContainer
  static void score() {
    Scorecard.hostile(CacheKeyHostileTest.class, "cache key injectivity",
        "argument lists and HTTP key parts (method, path, declared query values, Vary values) drawn"
            + " to collide; distinct pairs must never share a key",
        Scorecard.figures("cases", ARG_CASES.get() + HTTP_CASES.get(),
            "distinctPairs", ARG_DISTINCT.get() + HTTP_DISTINCT.get(), "collisions", COLLISIONS.get()));
  }

  /** Text made of the encoding's own pieces, so that boundaries could be faked if they could. */
  private static Arbitrary<String> tricky() {
    Arbitrary<String> piece = Arbitraries.of("", "a", "1", ":", "S", "S1:", "N", "L1:", "L2:",
        "A1:", "I1:1", "J1:1", "#", "\u0000", ",", "=", "&", "%00", "\ud800", "\udc00", "\u00e9",
        "e\u0301");
    return piece.list().ofMaxSize(4).map(l -> String.join("", l));
  }

  @Provide
  Arbitrary<List<Object>> argLists() {
    Arbitrary<Object> arg = Arbitraries.oneOf(
        Arbitraries.just(null),
        tricky().map(s -> (Object) s),
        Arbitraries.strings().ofMaxLength(140).map(s -> (Object) s),
        Arbitraries.integers().between(-11, 11).map(i -> (Object) i),
        Arbitraries.longs().between(-11, 11).map(l -> (Object) l),
        Arbitraries.of(true, false).map(x -> (Object) x),
        Arbitraries.chars().with(':', 'N', '1', '\u0000').map(c -> (Object) c),
        tricky().list().ofMaxSize(3).map(l -> (Object) l),
        tricky().array(String[].class).ofMaxSize(3).map(a -> (Object) a));
    return arg.list().ofMaxSize(4);
  }

  @Provide
  Arbitrary<Request> requests() {
    Arbitrary<List<String>> values = tricky().list().ofMaxSize(3);
    return Arbitraries.of("/products/{id}", "/products/{id}/reviews/{page}", "/search", "/s", "/all", "/")
        .flatMap(template -> {
          int[] shape = ROUTES.get(template);
          return Combinators.combine(
              Arbitraries.of("GET", "HEAD"),
              tricky().list().ofSize(shape[0]),
              values.list().ofSize(shape[1]),
              values.list().ofSize(shape[2]),
              Arbitraries.maps(tricky(), values).ofMaxSize(shape[1] == 0 ? 3 : 0))
              .as((method, path, query, vary, all) -> new Request(method, template, path, query, vary,
                  new TreeMap<>(all)));
        });
  }

  /** Object arrays compare by content in the property, as Keys encodes them. */
  static boolean sameArgs(List<Object> a, List<Object> b) {
    return Arrays.deepEquals(a.toArray(), b.toArray());
  }
}
