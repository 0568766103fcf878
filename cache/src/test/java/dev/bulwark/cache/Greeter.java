package dev.bulwark.cache;

/**
 * A small decorated interface that {@link DecoratedClassTest} loads a second time in a class
 * loader of its own; top-level, so that the copy needs no nest host from the first loader.
 */
public interface Greeter {
  @Cached(ttl = "60s")
  String greet(String who);
}
