package dev.bulwark.cache;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.LoggerFactory;

/**
 * Vert.x's own blocked-thread checker, made strict and listened to: a Vert.x whose event loops may
 * run a task for at most {@link #LIMIT_MS} ms (checked every 10 ms), and the warnings the checker
 * logs about them. A test asserts there were none, rather than timing anything itself.
 */
final class BlockedLoops implements AutoCloseable {

  /**
   * Longer than any honest event-loop task, even on a loaded machine that leaves a thread waiting
   * for a CPU, and half a Redis connect timeout (1 s), which is what a connect on the loop costs.
   */
  static final long LIMIT_MS = 500;

  private final Logger logger = (Logger) LoggerFactory.getLogger("io.vertx.core.impl.BlockedThreadChecker");
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

  private BlockedLoops() {
    appender.start();
    logger.addAppender(appender);
  }

  /** Starts listening to the checker. */
  static BlockedLoops watch() {
    return new BlockedLoops();
  }

  /** A Vert.x with {@code eventLoops} loops and the strict limit. */
  static Vertx strictVertx(int eventLoops) {
    return Vertx.vertx(new VertxOptions().setEventLoopPoolSize(eventLoops)
        .setBlockedThreadCheckInterval(10).setBlockedThreadCheckIntervalUnit(TimeUnit.MILLISECONDS)
        .setMaxEventLoopExecuteTime(LIMIT_MS).setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS));
  }

  /** The checker's warnings about event-loop threads so far. */
  List<String> eventLoopWarnings() {
    return appender.list.stream().map(ILoggingEvent::getFormattedMessage)
        .filter(m -> m.contains("vert.x-eventloop-thread")).toList();
  }

  @Override
  public void close() {
    logger.detachAppender(appender);
    appender.stop();
  }
}
