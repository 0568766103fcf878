package dev.bulwark.core.impl;

import io.vertx.core.Context;
import io.vertx.core.Handler;

/** Runs a completion on a Vert.x context when there is one, else on the current thread. */
final class Deliver {

  private Deliver() {
  }

  /**
   * Runs {@code completion} on {@code context} (one {@link Context#runOnContext} hop, which sets
   * the context as current for the handler), or at once on this thread when there is no context.
   */
  static void on(Context context, Handler<Void> completion) {
    if (context == null) {
      completion.handle(null);
    } else {
      context.runOnContext(completion);
    }
  }
}
