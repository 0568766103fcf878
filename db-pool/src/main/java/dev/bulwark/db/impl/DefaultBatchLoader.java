package dev.bulwark.db.impl;

import dev.bulwark.db.BatchLoader;
import dev.bulwark.db.Db;
import dev.bulwark.db.RowMapper;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The {@link BatchLoader} implementation. Loads are collected in {@code pending} (key to
 * waiters, insertion-ordered, under a lock). The first load of a batch schedules its dispatch:
 * at the end of the current event-loop turn ({@code runOnContext} queues behind the running
 * task), or after the window; reaching {@code maxBatch} dispatches at once. A dispatch takes the
 * whole pending map and runs one query; each waiter is completed on its own context. Off a Vert.x
 * context nothing can mark the end of a turn, so each load dispatches at once.
 */
public final class DefaultBatchLoader<K, V> implements BatchLoader<K, V> {

  private final Db db;
  private final long windowMs;
  private final int maxBatch;
  private final BatchFunction<K, V> fetch;
  private final String sql; // the batch query when known, for its span; null for a user's function
  private final Object lock = new Object();
  private final AtomicLong batches = new AtomicLong();
  private LinkedHashMap<K, List<Waiter<V>>> pending = new LinkedHashMap<>();

  private record Waiter<V>(Context context, Promise<Optional<V>> promise) {
  }

  public DefaultBatchLoader(Db db, Duration window, int maxBatch, BatchFunction<K, V> fetch) {
    this(db, window, maxBatch, fetch, null);
  }

  /** A loader whose batch function runs {@code sql} (shown in its database span). */
  public DefaultBatchLoader(Db db, Duration window, int maxBatch, BatchFunction<K, V> fetch,
      String sql) {
    if (window == null || window.isNegative()) {
      throw new IllegalArgumentException("window must be >= 0, but was " + window);
    }
    if (window.getNano() % 1_000_000 != 0) {
      throw new IllegalArgumentException("window must be 0 or a whole number of milliseconds, but was " + window);
    }
    if (maxBatch < 1) {
      throw new IllegalArgumentException("maxBatch must be >= 1, but was " + maxBatch);
    }
    this.db = db;
    this.windowMs = window.toMillis();
    this.maxBatch = maxBatch;
    this.fetch = fetch;
    this.sql = sql;
  }

  @Override
  public Future<Optional<V>> load(K key) {
    if (key == null) {
      throw new IllegalArgumentException("key must not be null");
    }
    Context context = Vertx.currentContext();
    Promise<Optional<V>> promise = Promise.promise();
    boolean first;
    boolean full;
    synchronized (lock) {
      first = pending.isEmpty();
      pending.computeIfAbsent(key, k -> new ArrayList<>(1)).add(new Waiter<>(context, promise));
      full = pending.size() >= maxBatch;
    }
    if (full || context == null) {
      dispatch();
    } else if (first) {
      if (windowMs == 0) {
        context.runOnContext(v -> dispatch());
      } else {
        context.owner().setTimer(windowMs, t -> dispatch());
      }
    }
    return promise.future();
  }

  @Override
  public long batchesDispatched() {
    return batches.get();
  }

  private void dispatch() {
    LinkedHashMap<K, List<Waiter<V>>> batch;
    synchronized (lock) {
      if (pending.isEmpty()) {
        return;
      }
      batch = pending;
      pending = new LinkedHashMap<>();
    }
    batches.incrementAndGet();
    List<K> keys = new ArrayList<>(batch.keySet());
    // A batch is one query of the Db view it was made with: timed under its name, and with the
    // statement timeout on what the batch function prepares. Another Db implementation (a
    // decorator) gets the plain connection its withConnection gives.
    Future<Map<K, V>> loaded = db instanceof DefaultDb
        ? ((DefaultDb) db).runQuery(sql, c -> fetch.load(c, keys))
        : db.withConnection(c -> fetch.load(c, keys));
    loaded.onComplete(ar -> {
      for (Map.Entry<K, List<Waiter<V>>> e : batch.entrySet()) {
        for (Waiter<V> w : e.getValue()) {
          if (ar.succeeded()) {
            Optional<V> value = Optional.ofNullable(ar.result().get(e.getKey()));
            complete(w, () -> w.promise().tryComplete(value));
          } else {
            complete(w, () -> w.promise().tryFail(ar.cause()));
          }
        }
      }
    });
  }

  private static <V> void complete(Waiter<V> w, Runnable completion) {
    if (w.context() == null || w.context() == Vertx.currentContext()) {
      completion.run();
    } else {
      w.context().runOnContext(v -> completion.run());
    }
  }

  /** One row per key: {@code sql} has one array parameter bound to the keys. */
  public static <K, V> BatchFunction<K, V> anyQuery(String sql, String arrayType, RowMapper<V> mapper,
      Function<V, K> keyOf) {
    Identifiers.type("sqlArrayType", arrayType);
    return (c, keys) -> {
      Map<K, V> out = new HashMap<>(keys.size() * 2);
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        Array array = c.createArrayOf(arrayType, keys.toArray());
        ps.setArray(1, array);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            V v = mapper.map(rs);
            out.put(keyOf.apply(v), v);
          }
        }
      }
      return out;
    };
  }

  /** Many rows per key, grouped in query order; every requested key gets a list, maybe empty. */
  public static <K, V> BatchFunction<K, List<V>> groupedAnyQuery(String sql, String arrayType,
      RowMapper<V> mapper, Function<V, K> keyOf) {
    Identifiers.type("sqlArrayType", arrayType);
    return (c, keys) -> {
      Map<K, List<V>> out = new HashMap<>(keys.size() * 2);
      for (K k : keys) {
        out.put(k, new ArrayList<>());
      }
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        ps.setArray(1, c.createArrayOf(arrayType, keys.toArray()));
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            V v = mapper.map(rs);
            out.computeIfAbsent(keyOf.apply(v), k -> new ArrayList<>()).add(v);
          }
        }
      }
      return out;
    };
  }
}
