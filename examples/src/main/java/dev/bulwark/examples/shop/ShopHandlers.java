package dev.bulwark.examples.shop;

import dev.bulwark.cache.Cached;
import dev.bulwark.web.Get;
import dev.bulwark.web.NonBlocking;
import dev.bulwark.web.QueryParam;
import dev.bulwark.web.Range;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The shop's first endpoints (shared WORKLOAD.md): {@code /hello} on the event loop and
 * {@code /blocking} on the default worker pool, plus {@code /blocking/serial}, a dependency that
 * serves one request at a time. Thread-safe; the only state is that route's lock.
 */
public final class ShopHandlers {

  /** One at a time, in arrival order, like waiters on a database row lock. */
  private final ReentrantLock serial = new ReentrantLock(true);

  /** The body of {@code /blocking}. */
  public record Slept(int sleptMs) {
  }

  /** The body of {@code /expensive}. */
  public record Expensive(int value, long computedAt) {
  }

  /**
   * 50 ms of blocking work, cached for 60 s: concurrent misses compute it once (once in the whole
   * cluster with Redis), and the answer carries an ETag and {@code Cache-Control: max-age}.
   */
  @Get("/expensive")
  @Cached(ttl = "60s")
  public Expensive expensive() throws InterruptedException {
    Thread.sleep(50);
    return new Expensive(42, System.currentTimeMillis());
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

  /**
   * Like {@code /blocking}, but the {@code ms} are spent holding one lock shared by every request
   * to this route, so they run one at a time: a dependency saturated behind a lock (a hot row),
   * whose latency grows with the number of requests sent to it at once. Its capacity is
   * {@code 1000 / ms} requests a second, whatever the pool's limit.
   */
  @Get("/blocking/serial")
  public Slept blockingSerial(
      @QueryParam(value = "ms", defaultValue = "20") @Range(min = 0, max = 1000) int ms)
      throws InterruptedException {
    serial.lockInterruptibly();
    try {
      Thread.sleep(ms);
    } finally {
      serial.unlock();
    }
    return new Slept(ms);
  }
}
