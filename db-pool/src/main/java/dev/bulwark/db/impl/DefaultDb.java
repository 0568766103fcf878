package dev.bulwark.db.impl;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import dev.bulwark.core.RejectedTaskException;
import dev.bulwark.core.WorkerPool;
import dev.bulwark.core.internal.OptionChecks;
import dev.bulwark.core.internal.TraceSpan;
import dev.bulwark.db.CopyFormat;
import dev.bulwark.db.Db;
import dev.bulwark.db.DbBusyException;
import dev.bulwark.db.DbOptions;
import dev.bulwark.db.DbStats;
import dev.bulwark.db.DbUnavailableException;
import dev.bulwark.db.InsertOptions;
import dev.bulwark.db.RowMapper;
import dev.bulwark.db.SqlFunction;
import dev.bulwark.db.TxOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowIterator;
import io.vertx.sqlclient.RowSet;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * The {@link Db} implementation: a HikariCP pool, a {@link WorkerPool} exactly as large as it
 * (the async bridge; its queue bound and timeout are {@code maxWaiters} and {@code waitTimeout}),
 * and a {@link DownDetector} that makes callers fail fast while the database is unreachable.
 * Named views share all three. Thread-safe.
 */
public final class DefaultDb implements Db {

  /**
   * The pool whose connection the current thread (a bridge worker) holds while work runs, so a
   * nested call from inside that work can be recognised; null elsewhere.
   */
  private static final ThreadLocal<Shared> HOLDING = new ThreadLocal<>();

  /**
   * Whether Vert.x's PostgreSQL client (an optional dependency) is on the classpath, asked here so
   * that {@link LoopReads}, whose code names its types, is loaded only when it is.
   */
  private static final boolean PG_CLIENT = present("io.vertx.pgclient.PgBuilder");

  private final Shared shared;
  private final String queryName;
  private final DbMetrics.Query timer;

  /** What the views of one pool share. */
  record Shared(Vertx vertx, DbOptions options, HikariDataSource dataSource, WorkerPool jdbc,
      DownDetector down, DbMetrics metrics, DbTracing tracing, LoopReads loop) {
  }

  private DefaultDb(Shared shared, String queryName) {
    this.shared = shared;
    this.queryName = queryName;
    this.timer = shared.metrics().query(queryName);
  }

  /** Opens the pool; see {@link Db#create}. */
  public static Db create(Vertx vertx, DbOptions options) {
    HikariConfig config = new HikariConfig();
    config.setPoolName(options.poolName());
    config.setJdbcUrl(options.jdbcUrl());
    if (options.username() != null) {
      config.setUsername(options.username());
    }
    if (options.password() != null) {
      config.setPassword(options.password());
    }
    config.setMaximumPoolSize(options.maximumPoolSize());
    config.setMinimumIdle(options.maximumPoolSize());
    config.setConnectionTimeout(options.connectionTimeout().toMillis());
    // HikariCP quietly resets a validation timeout above the connection timeout; stay below it.
    config.setValidationTimeout(Math.max(250, options.connectionTimeout().toMillis() / 2));
    config.setInitializationFailTimeout(-1);
    if (!options.leakDetectionThreshold().isZero()) {
      config.setLeakDetectionThreshold(options.leakDetectionThreshold().toMillis());
    }
    if (options.isPostgres() && !options.dataSourceProperties().containsKey("reWriteBatchedInserts")) {
      config.addDataSourceProperty("reWriteBatchedInserts", "true");
    }
    options.dataSourceProperties().forEach(config::addDataSourceProperty);
    if (options.meterRegistry() != null) {
      config.setMetricsTrackerFactory(new MicrometerMetricsTrackerFactory(options.meterRegistry()));
    }
    HikariDataSource ds = new HikariDataSource(config);
    WorkerPool jdbc = WorkerPool.builder()
        .name(options.poolName() + "-jdbc")
        .maxConcurrency(options.maximumPoolSize())
        .maxQueue(options.maxWaiters())
        .queueTimeout(options.waitTimeout())
        .meterRegistry(options.meterRegistry())
        .build();
    DownDetector down = new DownDetector(options.poolName(), options.downProbeInterval(),
        options.password());
    Shared shared = new Shared(vertx, options, ds, jdbc, down,
        new DbMetrics(options.meterRegistry(), options.poolName(), options.slowQueryThreshold()),
        new DbTracing(options.jdbcUrl(), options.poolName()),
        PG_CLIENT ? LoopReads.create(vertx, options, down) : null);
    return new DefaultDb(shared, "unnamed");
  }

  private static boolean present(String className) {
    try {
      Class.forName(className, false, DefaultDb.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  @Override
  public Db named(String name) {
    OptionChecks.name("query name", name);
    return new DefaultDb(shared, name);
  }

  @Override
  public <T> Future<List<T>> query(String sql, RowMapper<T> mapper, Object... params) {
    LoopReads.Plan plan = plan(sql);
    String loopSql = plan == null ? null : shared.loop().loopSql(plan, params);
    if (loopSql != null) {
      return onLoop(plan, loopSql, sql, params, rows -> {
        LoopRow row = new LoopRow();
        List<T> out = new ArrayList<>(rows.size());
        for (Row r : rows) {
          out.add(mapper.map(row.at(r)));
        }
        return out;
      }, () -> queryJdbc(null, sql, mapper, params));
    }
    return queryJdbc(plan, sql, mapper, params);
  }

  private <T> Future<List<T>> queryJdbc(LoopReads.Plan plan, String sql, RowMapper<T> mapper,
      Object[] params) {
    return run(() -> withBorrowed(c -> timed(sql, null, () -> {
      try (PreparedStatement ps = prepare(c, sql, params); ResultSet rs = ps.executeQuery()) {
        ResultSet row = watched(plan, rs);
        List<T> out = new ArrayList<>();
        while (rs.next()) {
          out.add(mapper.map(row));
        }
        if (!out.isEmpty()) {
          learn(plan, rs);
        }
        return out;
      }
    })));
  }

  @Override
  public <T> Future<Optional<T>> queryOne(String sql, RowMapper<T> mapper, Object... params) {
    LoopReads.Plan plan = plan(sql);
    String loopSql = plan == null ? null : shared.loop().loopSql(plan, params);
    if (loopSql != null) {
      return onLoop(plan, loopSql, sql, params, rows -> {
        RowIterator<Row> it = rows.iterator();
        return it.hasNext() ? Optional.ofNullable(mapper.map(new LoopRow().at(it.next())))
            : Optional.<T>empty();
      }, () -> queryOneJdbc(null, sql, mapper, params));
    }
    return queryOneJdbc(plan, sql, mapper, params);
  }

  private <T> Future<Optional<T>> queryOneJdbc(LoopReads.Plan plan, String sql, RowMapper<T> mapper,
      Object[] params) {
    return run(() -> withBorrowed(c -> timed(sql, null, () -> {
      try (PreparedStatement ps = prepare(c, sql, params)) {
        ps.setMaxRows(1);
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            return Optional.<T>empty();
          }
          Optional<T> out = Optional.ofNullable(mapper.map(watched(plan, rs)));
          learn(plan, rs);
          return out;
        }
      }
    })));
  }

  /** What the loop reads know of {@code sql}, or null when there are none. */
  private LoopReads.Plan plan(String sql) {
    LoopReads loop = shared.loop();
    return loop == null ? null : loop.plan(sql);
  }

  /** The rows a learning run's mapper sees (watched for what it asks of them), else {@code rs}. */
  private static ResultSet watched(LoopReads.Plan plan, ResultSet rs) {
    return plan != null && plan.unknown() ? LoopReads.watching(plan, rs) : rs;
  }

  /** Settles an unknown plan from a run whose mapper was watched on at least one row. */
  private static void learn(LoopReads.Plan plan, ResultSet rs) throws SQLException {
    if (plan != null && plan.unknown()) {
      LoopReads.learn(plan, rs.getMetaData());
    }
  }

  /** Maps the rows a read on the event loop brought. */
  @FunctionalInterface
  private interface LoopMapping<R> {
    R map(RowSet<Row> rows) throws SQLException;
  }

  /**
   * Runs a read on the current event loop's connections, timed and traced as a JDBC run is. A
   * result this path cannot read as JDBC would (columns of other kinds than the learning run
   * showed, a value the client could not decode, a mapper asking for what only JDBC's
   * {@code ResultSet} offers) sends the statement to JDBC from then on, and this call is run
   * again there.
   */
  private <R> Future<R> onLoop(LoopReads.Plan plan, String loopSql, String sql, Object[] params,
      LoopMapping<R> mapping, Supplier<Future<R>> viaJdbc) {
    TraceSpan span = shared.tracing().start(queryName, sql, null);
    long start = System.nanoTime();
    return shared.loop().execute(loopSql, params).transform(ar -> {
      Throwable failure;
      if (ar.succeeded()) {
        if (!LoopReads.readable(ar.result().columnDescriptors())) {
          return again(plan, span, viaJdbc);
        }
        try {
          R out = mapping.map(ar.result());
          timer.record(System.nanoTime() - start, true);
          if (span != null) {
            span.end();
          }
          return Future.succeededFuture(out);
        } catch (SQLFeatureNotSupportedException e) {
          return again(plan, span, viaJdbc);
        } catch (Exception | Error e) {
          failure = e;
        }
      } else {
        failure = shared.loop().failure(ar.cause());
        if (failure == null) {
          return again(plan, span, viaJdbc);
        }
      }
      timer.record(System.nanoTime() - start, false);
      if (span != null) {
        span.fail(failure);
        span.end();
      }
      return Future.failedFuture(failure);
    });
  }

  private <R> Future<R> again(LoopReads.Plan plan, TraceSpan span, Supplier<Future<R>> viaJdbc) {
    plan.refuse();
    if (span != null) {
      span.end();
    }
    return viaJdbc.get();
  }

  @Override
  public Future<Integer> update(String sql, Object... params) {
    return run(() -> withBorrowed(c -> timed(sql, null, () -> {
      try (PreparedStatement ps = prepare(c, sql, params)) {
        return ps.executeUpdate();
      }
    })));
  }

  @Override
  public <T> Future<T> withConnection(SqlFunction<T> work) {
    return run(() -> withBorrowed(work));
  }

  @Override
  public <T> Future<T> inTransaction(SqlFunction<T> work) {
    return inTransaction(TxOptions.DEFAULT, work);
  }

  /**
   * Each attempt borrows a connection and a bridge slot and gives both back when it ends; the
   * backoff before a retry is a Vert.x timer, so a transaction waiting to retry holds neither.
   */
  @Override
  public <T> Future<T> inTransaction(TxOptions options, SqlFunction<T> work) {
    Promise<T> result = Promise.promise();
    attempt(options, work, 1, result);
    return result.future();
  }

  private <T> void attempt(TxOptions options, SqlFunction<T> work, int attempt, Promise<T> result) {
    run(() -> withBorrowed(c -> Transactions.once(c, options, work))).onComplete(ar -> {
      if (ar.succeeded()) {
        result.complete(ar.result());
      } else if (attempt < options.maxAttempts() && Transactions.isRetryable(ar.cause())) {
        long delayMs = Transactions.backoffMillis(options, attempt);
        if (delayMs == 0) {
          attempt(options, work, attempt + 1, result);
        } else {
          shared.vertx().setTimer(delayMs, id -> attempt(options, work, attempt + 1, result));
        }
      } else {
        result.fail(ar.cause());
      }
    });
  }

  @Override
  public Future<Long> insertRows(String table, List<String> columns, List<Object[]> rows,
      InsertOptions options) {
    RowInserter inserter = RowInserter.prepare(table, columns, rows, options,
        shared.options().isPostgres());
    return run(() -> withBorrowed(c -> timed(null, "INSERT", () ->
        Transactions.once(c, TxOptions.DEFAULT, inserter::insert))));
  }

  @Override
  public <T> RowStream<T> stream(String sql, RowMapper<T> mapper, Object... params) {
    return new CursorStream<>(this, sql, mapper, params, shared.options().isPostgres());
  }

  @Override
  public RowStream<Buffer> copyOut(String query, CopyFormat format, Object... params) {
    return new CopyOutStream(this, query, format, params, shared.options().isPostgres());
  }

  @Override
  public DbStats stats() {
    HikariPoolMXBean mx = shared.dataSource().getHikariPoolMXBean();
    int waiting = shared.jdbc().stats().queued();
    int loopReads = shared.loop() == null ? 0 : shared.loop().inFlight();
    boolean up = !shared.down().isDown();
    if (mx == null) {
      return new DbStats(0, 0, 0, waiting, shared.options().maximumPoolSize(), up, loopReads);
    }
    return new DbStats(mx.getActiveConnections(), mx.getIdleConnections(),
        mx.getTotalConnections(), waiting, shared.options().maximumPoolSize(), up, loopReads);
  }

  @Override
  public <T> T unwrap(Class<T> type) {
    if (type.isInstance(shared.dataSource())) {
      return type.cast(shared.dataSource());
    }
    throw new IllegalArgumentException("cannot unwrap " + type.getName()
        + "; this Db wraps a com.zaxxer.hikari.HikariDataSource");
  }

  @Override
  public Future<Void> close() {
    Future<Void> loop = shared.loop() == null ? Future.succeededFuture()
        : shared.loop().close(Duration.ofSeconds(5));
    Future<Void> jdbc = shared.jdbc().close(Duration.ofSeconds(5));
    return Future.join(loop, jdbc).<Void>mapEmpty().eventually(() -> {
      shared.dataSource().close();
      shared.metrics().close();
      return Future.succeededFuture();
    });
  }

  /**
   * Runs blocking JDBC work on the bridge, translating its rejections into busy errors. A call
   * made by work that already holds one of this pool's connections, while every connection is in
   * use, fails at once: if that work waited for the answer it would wait for itself (each holder
   * waiting for a connection only another holder could free), until {@code waitTimeout}.
   */
  <T> Future<T> run(Callable<T> work) {
    // Only a bridge worker holds a connection, and it runs on no Vert.x context: a caller on one
    // (the common case, an event loop) skips the thread-local, whose read cost the event loop
    // more than the rest of the submit in DbBridgeBenchmark's profile.
    if (Vertx.currentContext() == null && HOLDING.get() == shared) {
      int active = shared.jdbc().stats().active();
      if (active >= shared.options().maximumPoolSize()) {
        return Future.failedFuture(nestedAcquisition(active));
      }
    }
    return shared.jdbc().submit(work).recover(e -> Future.failedFuture(translate(e)));
  }

  private DbBusyException nestedAcquisition(int active) {
    return new DbBusyException(shared.options().poolName() + " - nested acquisition refused: this"
        + " call runs inside work that holds a connection of the pool and asked for another while"
        + " all " + active + " are in use (maximumPoolSize=" + shared.options().maximumPoolSize()
        + "); waiting would deadlock. Use the connection the outer work was given, or make the"
        + " call after it returns", shared.options().waitTimeout());
  }

  private Throwable translate(Throwable e) {
    if (e instanceof RejectedTaskException) {
      RejectedTaskException r = (RejectedTaskException) e;
      DbStats s = stats();
      return new DbBusyException(shared.options().poolName() + " - busy (" + r.reason().description()
          + "): " + s.active() + " active, " + s.idle() + " idle, " + r.queued() + " waiting"
          + " (maximumPoolSize=" + s.maximumPoolSize() + ", maxWaiters="
          + shared.options().maxWaiters() + ", waitTimeout=" + shared.options().waitTimeout() + ")",
          r.retryAfter());
    }
    if (!(e instanceof DbUnavailableException) && DownDetector.isConnectionFailure(e)) {
      return shared.down().connectionLost(e);
    }
    return e;
  }

  /** Borrows a connection (failing fast while the database is down), runs, returns it. */
  <T> T withBorrowed(SqlFunction<T> work) throws Exception {
    Shared before = HOLDING.get();
    try (Connection c = borrow()) {
      HOLDING.set(shared);
      return work.apply(c);
    } finally {
      // Set back, not removed: the bridge's own threads keep the entry (holding null between
      // calls), so the next call replaces a value instead of inserting and expunging an entry.
      HOLDING.set(before);
    }
  }

  Connection borrow() throws SQLException {
    DownDetector down = shared.down();
    down.beforeConnect();
    Connection c;
    try {
      c = shared.dataSource().getConnection();
    } catch (SQLException e) {
      down.connectFailed(e);
      throw e;
    }
    down.connected();
    return c;
  }

  /**
   * Runs {@code work} as one query of this view: a borrowed connection on the bridge, timed under
   * the view's name, and every statement {@code work} prepares with the statement timeout.
   */
  <T> Future<T> runQuery(String sql, SqlFunction<T> work) {
    return run(() -> withBorrowed(c -> timed(sql, null,
        () -> work.apply(StatementTimeouts.applying(c, timeoutSeconds())))));
  }

  /**
   * Times {@code work} under the view's name, in a database span when tracing is on.
   *
   * @param sql the statement, or null when the work prepares its own
   * @param operation the SQL operation when {@code sql} is null, or null
   */
  <T> T timed(String sql, String operation, Callable<T> work) throws Exception {
    TraceSpan span = shared.tracing().start(queryName, sql, operation);
    if (span == null) {
      return timer.time(work);
    }
    return DbTracing.within(span, () -> timer.time(work));
  }

  PreparedStatement prepare(Connection c, String sql, Object[] params) throws SQLException {
    PreparedStatement ps = c.prepareStatement(sql);
    StatementTimeouts.apply(ps, timeoutSeconds());
    try {
      for (int i = 0; i < params.length; i++) {
        ps.setObject(i + 1, params[i]);
      }
      return ps;
    } catch (SQLException | RuntimeException e) {
      ps.close();
      throw e;
    }
  }

  /** The statement timeout; whole seconds within int range, as DbOptions refuses anything else. */
  int timeoutSeconds() {
    return (int) shared.options().statementTimeout().toSeconds();
  }

  Shared shared() {
    return shared;
  }
}
