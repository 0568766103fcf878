package com.example.quickstart;

import dev.bulwark.web.Get;
import dev.bulwark.web.NonBlocking;
import dev.bulwark.web.PathParam;
import dev.bulwark.web.QueryParam;
import dev.bulwark.web.Range;

/**
 * The quick start's routes. Bulwark binds them once at start; {@link #hello} runs on the event
 * loop, {@link #greet} (not asynchronous, so treated as blocking) on the "default" worker pool.
 * Stateless, so thread-safe.
 */
public final class GreetingHandlers {

  /** The body of {@code GET /greet/{name}}, written as JSON. */
  public record Greeting(String message, int excitement) {
  }

  /** {@code GET /hello}: 200 {@code text/plain} {@code Hello, World!}. */
  @Get("/hello")
  @NonBlocking
  public String hello() {
    return "Hello, World!";
  }

  /**
   * {@code GET /greet/{name}?excitement=N}: 200 {@code {"message":"Hello, NAME!","excitement":N}};
   * N defaults to 1 and must be 0..5, else 400.
   */
  @Get("/greet/{name}")
  public Greeting greet(@PathParam("name") String name,
      @QueryParam(value = "excitement", defaultValue = "1") @Range(min = 0, max = 5) int excitement) {
    return new Greeting("Hello, " + name + "!".repeat(excitement), excitement);
  }
}
