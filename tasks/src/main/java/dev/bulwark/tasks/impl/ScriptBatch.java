package dev.bulwark.tasks.impl;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * Group commit for one batched script: calls made while an earlier group is in flight wait and go
 * together in the next script call, so a busy queue pays one Redis round trip per group instead of
 * per task, while a lone call goes out at once (no timer, no added latency).
 *
 * <p>Implementation note: at most one group is in flight ({@code inFlight}). A caller enqueues its
 * call, then tries to become the sender; the sender takes up to {@code maxGroup} calls, evaluates
 * them, completes each call's promise with its own element of the reply, and on completion tries
 * again, so a call enqueued just after a sender found the queue empty is never stranded (the
 * re-check after releasing {@code inFlight} covers that race). Thread-safe.
 */
final class ScriptBatch {

  private record Call(Object[] args, Promise<Object> promise) {
  }

  private final int maxGroup;
  private final Function<Object[], Future<List<Object>>> eval;
  private final ConcurrentLinkedQueue<Call> queue = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean inFlight = new AtomicBoolean();

  /**
   * @param maxGroup the most calls in one script call
   * @param eval runs the script with the concatenated arguments of a group; its reply holds one
   *     element per call, in order
   */
  ScriptBatch(int maxGroup, Function<Object[], Future<List<Object>>> eval) {
    this.maxGroup = maxGroup;
    this.eval = eval;
  }

  /** Queues one call; the future completes with its element of the reply (on a Redis thread). */
  Future<Object> call(Object... args) {
    Promise<Object> p = Promise.promise();
    queue.add(new Call(args, p));
    trySend();
    return p.future();
  }

  private void trySend() {
    while (!queue.isEmpty() && inFlight.compareAndSet(false, true)) {
      List<Call> group = new ArrayList<>();
      Call c;
      while (group.size() < maxGroup && (c = queue.poll()) != null) {
        group.add(c);
      }
      if (group.isEmpty()) {
        inFlight.set(false);
        continue;
      }
      send(group);
      return;
    }
  }

  private void send(List<Call> group) {
    List<Object> args = new ArrayList<>();
    for (Call c : group) {
      for (Object a : c.args()) {
        args.add(a);
      }
    }
    Future<List<Object>> reply;
    try {
      reply = eval.apply(args.toArray());
    } catch (RuntimeException e) {
      reply = Future.failedFuture(e);
    }
    reply.onComplete(ar -> {
      for (int i = 0; i < group.size(); i++) {
        Promise<Object> p = group.get(i).promise();
        if (ar.failed()) {
          p.fail(ar.cause());
        } else if (i < ar.result().size()) {
          p.complete(ar.result().get(i));
        } else {
          p.fail(new IllegalStateException("batched script answered " + ar.result().size()
              + " results for " + group.size() + " calls"));
        }
      }
      inFlight.set(false);
      trySend();
    });
  }
}
