package dev.bulwark.examples.shop;

import dev.bulwark.web.Get;
import dev.bulwark.web.NonBlocking;
import dev.bulwark.web.QueryParam;
import dev.bulwark.web.Range;

/**
 * The shop's first endpoints (shared WORKLOAD.md): {@code /hello} on the event loop and
 * {@code /blocking} on the default worker pool. Stateless; thread-safe.
 */
public final class ShopHandlers {

  /** The body of {@code /blocking}. */
  public record Slept(int sleptMs) {
  }

  /** 200 {@code text/plain} {@code Hello, World!}, answered on the event loop. */
  @Get("/hello")
  @NonBlocking
  public String hello() {
    return "Hello, World!";
  }

  /**
   * Blocks {@code ms} milliseconds (default 20, 0 to 1000) on the default worker pool, standing in
   * for a slow blocking call; 503 with {@code Retry-After} when the pool sheds it.
   */
  @Get("/blocking")
  public Slept blocking(@QueryParam(value = "ms", defaultValue = "20") @Range(min = 0, max = 1000) int ms)
      throws InterruptedException {
    Thread.sleep(ms);
    return new Slept(ms);
  }
}
