package dev.bulwark.tasks.impl;

import dev.bulwark.tasks.QueueFullException;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The in-process store: tasks in this JVM's memory, lost when it stops.
 *
 * <p>Implementation note: one lock guards everything. {@code ready} is the FIFO of runnable ids,
 * {@code delayed} orders waiting (delayed or retry-waiting) records by due time; a record is in
 * at most one of them, and only while its state is queued or failed. A cancelled or released
 * record is taken out of both at once, so a claim never has to skip stale entries. Final records
 * carry an expiry; {@link #get} hides expired ones and the periodic {@link #stats} sweep (run by
 * the queue every second) deletes them, so memory stays bounded by {@code maxQueued} plus what
 * ended within {@code resultTtl}. Every method completes its future before returning.
 */
final class MemoryBackend implements Backend {

  private final String queue;
  private final long maxQueued;
  private final long resultTtlMs;
  private final long deadTtlMs;
  private final ReentrantLock lock = new ReentrantLock();
  private final Map<String, MemoryRecord> tasks = new HashMap<>();
  private final Map<String, String> idempotency = new HashMap<>();
  private final ArrayDeque<MemoryRecord> ready = new ArrayDeque<>();
  private final PriorityQueue<MemoryRecord> delayed = new PriorityQueue<>((a, b) -> Long.compare(a.due, b.due));
  private final LinkedHashMap<String, MemoryRecord> dead = new LinkedHashMap<>();

  MemoryBackend(String queue, long maxQueued, Duration resultTtl, Duration deadTtl) {
    this.queue = queue;
    this.maxQueued = maxQueued;
    this.resultTtlMs = resultTtl.toMillis();
    this.deadTtlMs = deadTtl.toMillis();
  }

  @Override
  public String kind() {
    return "in-process";
  }

  @Override
  public Future<Void> start() {
    return Future.succeededFuture();
  }

  @Override
  public Future<String> submit(NewTask t) {
    lock.lock();
    try {
      if (t.idempotencyKey() != null) {
        String first = idempotency.get(t.idempotencyKey());
        if (first != null && live(tasks.get(first), t.nowMs())) {
          return Future.succeededFuture(first);
        }
      }
      int depth = ready.size() + delayed.size();
      if (depth >= maxQueued) {
        return Future.failedFuture(new QueueFullException(queue, depth, maxQueued, Duration.ofSeconds(1)));
      }
      MemoryRecord r = new MemoryRecord(t);
      tasks.put(r.id, r);
      if (t.idempotencyKey() != null) {
        idempotency.put(t.idempotencyKey(), r.id);
      }
      if (t.dueMs() > t.nowMs()) {
        r.due = t.dueMs();
        delayed.add(r);
      } else {
        r.readyAt = t.nowMs();
        ready.addLast(r);
      }
      return Future.succeededFuture(r.id);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Future<Map<String, String>> get(String id, long nowMs) {
    lock.lock();
    try {
      MemoryRecord r = tasks.get(id);
      return Future.succeededFuture(live(r, nowMs) ? r.fields() : null);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Future<Integer> cancel(String id, long nowMs) {
    lock.lock();
    try {
      MemoryRecord r = tasks.get(id);
      if (!live(r, nowMs)) {
        return Future.succeededFuture(CANCEL_UNKNOWN);
      }
      switch (r.state) {
        case "queued", "failed" -> {
          ready.remove(r);
          delayed.remove(r);
          finish(r, "cancelled", nowMs, resultTtlMs);
          return Future.succeededFuture(CANCEL_DONE);
        }
        case "running" -> {
          r.cancel = true;
          return Future.succeededFuture(CANCEL_REQUESTED);
        }
        default -> {
          return Future.succeededFuture(CANCEL_FINAL);
        }
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Future<List<Claimed>> claim(int max, boolean replayOwn, long nowMs) {
    List<Claimed> out = new ArrayList<>();
    if (replayOwn) {
      return Future.succeededFuture(out);
    }
    lock.lock();
    try {
      while (!delayed.isEmpty() && delayed.peek().due <= nowMs) {
        MemoryRecord r = delayed.poll();
        r.state = "queued";
        r.readyAt = r.due;
        ready.addLast(r);
      }
      while (out.size() < max && !ready.isEmpty()) {
        MemoryRecord r = ready.pollFirst();
        r.state = "running";
        r.attempts++;
        r.started = nowMs;
        r.lease = r.id + "/" + r.attempts + "/" + nowMs;
        out.add(new Claimed(r.id, r.type, r.payload, r.attempts, r.max, r.limitMs, r.created,
            r.readyAt, r.idem, r.lease, r.id, r.cancel, r.traceparent));
      }
      return Future.succeededFuture(out);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Future<List<Claimed>> reclaim(int max, long nowMs) {
    return Future.succeededFuture(List.of());
  }

  @Override
  public Future<List<Integer>> heartbeat(List<Claimed> claimed, long nowMs) {
    lock.lock();
    try {
      List<Integer> out = new ArrayList<>(claimed.size());
      for (Claimed c : claimed) {
        MemoryRecord r = owned(c);
        out.add(r == null ? HEARTBEAT_LOST : r.cancel ? HEARTBEAT_CANCEL : HEARTBEAT_OK);
      }
      return Future.succeededFuture(out);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Future<Boolean> succeed(Claimed c, String resultJson, long nowMs) {
    lock.lock();
    try {
      MemoryRecord r = owned(c);
      if (r == null) {
        return Future.succeededFuture(false);
      }
      r.result = resultJson;
      r.progress = 1;
      finish(r, "succeeded", nowMs, resultTtlMs);
      return Future.succeededFuture(true);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Future<Boolean> fail(Claimed c, String error, long retryAtMs, long nowMs) {
    lock.lock();
    try {
      MemoryRecord r = owned(c);
      if (r == null) {
        return Future.succeededFuture(false);
      }
      r.error = error;
      r.lease = null;
      if (retryAtMs >= 0) {
        r.state = "failed";
        r.due = retryAtMs;
        delayed.add(r);
      } else {
        finish(r, "dead", nowMs, deadTtlMs);
        dead.put(r.id, r);
      }
      return Future.succeededFuture(true);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Future<Boolean> cancelled(Claimed c, long nowMs) {
    lock.lock();
    try {
      MemoryRecord r = owned(c);
      if (r == null) {
        return Future.succeededFuture(false);
      }
      finish(r, "cancelled", nowMs, resultTtlMs);
      return Future.succeededFuture(true);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Future<Boolean> release(Claimed c, long nowMs) {
    lock.lock();
    try {
      MemoryRecord r = owned(c);
      if (r == null) {
        return Future.succeededFuture(false);
      }
      r.state = "queued";
      r.attempts--;
      r.lease = null;
      r.readyAt = nowMs;
      ready.addFirst(r);
      return Future.succeededFuture(true);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Future<Void> progress(Claimed c, double fraction, String message) {
    lock.lock();
    try {
      MemoryRecord r = owned(c);
      if (r != null) {
        r.progress = fraction;
        r.pmsg = message;
      }
      return Future.succeededFuture();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Future<List<Map<String, String>>> deadLetters(int limit, long nowMs) {
    lock.lock();
    try {
      List<Map<String, String>> out = new ArrayList<>();
      List<MemoryRecord> all = new ArrayList<>(dead.values());
      for (int i = all.size() - 1; i >= 0 && out.size() < limit; i--) {
        if (live(all.get(i), nowMs)) {
          out.add(all.get(i).fields());
        }
      }
      return Future.succeededFuture(out);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Future<Boolean> retryDead(String id, long nowMs) {
    lock.lock();
    try {
      MemoryRecord r = dead.remove(id);
      if (r == null || !live(r, nowMs)) {
        return Future.succeededFuture(false);
      }
      r.state = "queued";
      r.attempts = 0;
      r.finished = 0;
      r.expiresAt = Long.MAX_VALUE;
      r.readyAt = nowMs;
      ready.addLast(r);
      return Future.succeededFuture(true);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Future<Boolean> discardDead(String id) {
    lock.lock();
    try {
      MemoryRecord r = dead.remove(id);
      if (r == null) {
        return Future.succeededFuture(false);
      }
      forget(r);
      return Future.succeededFuture(true);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Future<long[]> stats(long nowMs) {
    lock.lock();
    try {
      for (Iterator<MemoryRecord> it = tasks.values().iterator(); it.hasNext(); ) {
        MemoryRecord r = it.next();
        if (r.expiresAt <= nowMs) {
          it.remove();
          dead.remove(r.id);
          if (r.idem != null) {
            idempotency.remove(r.idem, r.id);
          }
        }
      }
      long oldest = -1;
      MemoryRecord head = ready.peekFirst();
      if (head != null) {
        oldest = Math.max(0, nowMs - head.readyAt);
      }
      MemoryRecord next = delayed.peek();
      if (next != null && next.due <= nowMs) {
        oldest = Math.max(oldest, nowMs - next.due);
      }
      return Future.succeededFuture(new long[] {ready.size() + delayed.size(), oldest});
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Future<Void> ping() {
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> close() {
    return Future.succeededFuture();
  }

  private MemoryRecord owned(Claimed c) {
    MemoryRecord r = tasks.get(c.id());
    return r != null && c.lease().equals(r.lease) ? r : null;
  }

  private static boolean live(MemoryRecord r, long nowMs) {
    return r != null && r.expiresAt > nowMs;
  }

  private static void finish(MemoryRecord r, String state, long nowMs, long ttlMs) {
    r.state = state;
    r.finished = nowMs;
    r.lease = null;
    r.expiresAt = nowMs + ttlMs;
  }

  private void forget(MemoryRecord r) {
    tasks.remove(r.id);
    if (r.idem != null) {
      idempotency.remove(r.idem, r.id);
    }
  }
}
