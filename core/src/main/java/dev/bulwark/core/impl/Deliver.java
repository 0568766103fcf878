package dev.bulwark.core.impl;

import io.vertx.core.Context;

/** Runs a completion on a Vert.x context when there is one, else on the current thread. */
final class Deliver {

  private Deliver() {
  }

  static void on(Context context, Runnable completion) {
    if (context == null) {
      completion.run();
    } else {
      context.runOnContext(v -> completion.run());
    }
  }
}
