package dev.bulwark.web.impl;

import dev.bulwark.web.BulwarkServer;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * SIGTERM and SIGINT drain the server, close Vert.x and exit with status 0. A JVM shutdown hook
 * cannot do this: by the time hooks run the exit status is already 143, and new work is refused.
 * So the signals are caught with {@code sun.misc.Signal} (in {@code jdk.unsupported}, present on
 * every JDK). The handler runs on the JVM's signal thread, which may block.
 */
final class SignalExit {

  private static final Logger LOG = LoggerFactory.getLogger(SignalExit.class);

  private SignalExit() {
  }

  static void install(BulwarkServer server, Vertx vertx, Duration grace) {
    for (String name : new String[] {"TERM", "INT"}) {
      Signal.handle(new Signal(name), signal -> {
        LOG.info("SIG{} received: draining", signal.getName());
        long waitMs = grace.toMillis() + 10_000;
        int status = 0;
        try {
          server.drain().toCompletionStage().toCompletableFuture().get(waitMs, TimeUnit.MILLISECONDS);
          vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
          LOG.error("drain did not finish cleanly", e);
          status = 1;
        }
        System.exit(status);
      });
    }
  }
}
