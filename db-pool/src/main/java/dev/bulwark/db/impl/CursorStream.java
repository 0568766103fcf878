package dev.bulwark.db.impl;

import dev.bulwark.db.Db;
import dev.bulwark.db.RowMapper;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.streams.ReadStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A query's rows as a {@link ReadStream} with backpressure.
 *
 * <p>Implementation note. Two sides. The <em>reader</em> is one task on the JDBC worker pool: it
 * borrows a connection, opens a cursor (autocommit off and a fetch size, which is what makes
 * PostgreSQL stream instead of materialising the result), and reads rows in chunks of
 * {@link #CHUNK}. Before reading a chunk it takes a permit from {@code room} (two permits: at most
 * two chunks wait in memory), and hands each chunk to the <em>emitter</em> with
 * {@link Context#runOnContext}. The emitter lives on the stream's context only: it holds the
 * chunks, emits rows while there is demand ({@code pause}/{@code resume}/{@code fetch}), and
 * gives a permit back each time it has emitted a whole chunk. A paused consumer therefore stops
 * the reader after at most two chunks, whatever the speed of the client. {@code cancel} sets a
 * volatile flag and releases a permit so a waiting reader wakes, sees it, and closes the
 * statement, rolls back and returns the connection at once.
 */
final class CursorStream<T> implements Db.RowStream<T> {

  static final int CHUNK = 256;
  private static final Logger LOG = LoggerFactory.getLogger(CursorStream.class);

  private final DefaultDb db;
  private final String sql;
  private final RowMapper<T> mapper;
  private final Object[] params;
  private final boolean postgres;
  private final Context context;
  private final Semaphore room = new Semaphore(2);
  private volatile boolean cancelled;

  // Emitter state: only touched on the context.
  private final ArrayDeque<List<T>> chunks = new ArrayDeque<>();
  private int index;
  private long demand = Long.MAX_VALUE;
  private boolean started;
  private boolean readerDone;
  private boolean finished;
  private boolean emitting;
  private Handler<T> handler;
  private Handler<Void> endHandler;
  private Handler<Throwable> exceptionHandler;

  CursorStream(DefaultDb db, String sql, RowMapper<T> mapper, Object[] params, boolean postgres) {
    this.db = db;
    this.sql = sql;
    this.mapper = mapper;
    this.params = params.clone();
    this.postgres = postgres;
    this.context = db.shared().vertx().getOrCreateContext();
  }

  @Override
  public ReadStream<T> exceptionHandler(Handler<Throwable> handler) {
    this.exceptionHandler = handler;
    return this;
  }

  @Override
  public ReadStream<T> handler(Handler<T> handler) {
    this.handler = handler;
    if (handler != null && !started) {
      started = true;
      db.run(this::read).onComplete(ar -> {
        if (ar.failed()) {
          fail(ar.cause());
        }
      });
    }
    return this;
  }

  @Override
  public ReadStream<T> pause() {
    demand = 0;
    return this;
  }

  @Override
  public ReadStream<T> resume() {
    return fetch(Long.MAX_VALUE);
  }

  @Override
  public ReadStream<T> fetch(long amount) {
    if (amount > 0) {
      demand = demand + amount < 0 ? Long.MAX_VALUE : demand + amount;
      context.runOnContext(v -> emit());
    }
    return this;
  }

  @Override
  public ReadStream<T> endHandler(Handler<Void> endHandler) {
    this.endHandler = endHandler;
    return this;
  }

  @Override
  public void cancel() {
    cancelled = true;
    room.release();
  }

  /** The reader: runs on a JDBC worker thread with a borrowed connection. */
  private Void read() throws Exception {
    try (Connection c = db.borrow()) {
      boolean autoCommit = c.getAutoCommit();
      c.setAutoCommit(false);
      try (PreparedStatement ps = db.prepare(c, sql, params)) {
        ps.setFetchSize(postgres ? CHUNK * 4 : CHUNK);
        try (ResultSet rs = ps.executeQuery()) {
          boolean more = true;
          while (more) {
            if (!awaitRoom()) {
              ps.cancel();
              break;
            }
            List<T> chunk = new ArrayList<>(CHUNK);
            while (chunk.size() < CHUNK && (more = rs.next())) {
              chunk.add(mapper.map(rs));
            }
            if (!chunk.isEmpty()) {
              context.runOnContext(v -> accept(chunk));
            }
          }
        }
      } finally {
        try {
          c.rollback();
        } finally {
          c.setAutoCommit(autoCommit);
        }
      }
    }
    if (!cancelled) {
      context.runOnContext(v -> {
        readerDone = true;
        emit();
      });
    }
    return null;
  }

  /** Waits for room for one more chunk; false when cancelled. */
  private boolean awaitRoom() throws InterruptedException {
    while (!cancelled) {
      if (room.tryAcquire(100, TimeUnit.MILLISECONDS)) {
        return !cancelled;
      }
    }
    return false;
  }

  private void accept(List<T> chunk) {
    if (cancelled || finished) {
      return;
    }
    chunks.addLast(chunk);
    emit();
  }

  private void emit() {
    if (emitting || finished) {
      return;
    }
    emitting = true;
    try {
      while (demand > 0 && !chunks.isEmpty() && !cancelled) {
        List<T> chunk = chunks.peekFirst();
        T item = chunk.get(index++);
        if (index == chunk.size()) {
          chunks.pollFirst();
          index = 0;
          room.release();
        }
        if (demand != Long.MAX_VALUE) {
          demand--;
        }
        Handler<T> h = handler;
        if (h != null) {
          h.handle(item);
        }
      }
      if (readerDone && chunks.isEmpty() && !cancelled) {
        finished = true;
        Handler<Void> end = endHandler;
        if (end != null) {
          end.handle(null);
        }
      }
    } finally {
      emitting = false;
    }
  }

  private void fail(Throwable t) {
    context.runOnContext(v -> {
      if (finished) {
        return;
      }
      finished = true;
      chunks.clear();
      Handler<Throwable> h = exceptionHandler;
      if (h != null) {
        h.handle(t);
      } else if (!cancelled) {
        LOG.warn("row stream failed and has no exception handler", t);
      }
    });
  }
}
