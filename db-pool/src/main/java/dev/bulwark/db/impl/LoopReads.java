package dev.bulwark.db.impl;

import dev.bulwark.core.internal.OwnedMeters;
import dev.bulwark.db.DbBusyException;
import dev.bulwark.db.DbOptions;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxException;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.tracing.TracingPolicy;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgException;
import io.vertx.pgclient.SslMode;
import io.vertx.sqlclient.ClosedConnectionException;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import io.vertx.sqlclient.desc.ColumnDescriptor;
import io.vertx.sqlclient.internal.Connection;
import io.vertx.sqlclient.internal.SqlConnectionInternal;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.ConnectException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads on the event loop: a {@code SELECT} run by {@code query} or {@code queryOne} from an event
 * loop goes to Vert.x's PostgreSQL client on that same loop (each loop has its own pipelined
 * connections, so the statement is written, and its rows decoded, with no thread hop), instead
 * of a JDBC thread. A statement qualifies once its first run, through JDBC, has shown result
 * columns of the kinds {@link LoopRow} reads exactly as pgjdbc does; a call qualifies when each of
 * its parameters has a class that {@link PgPlaceholders} sends with pgjdbc's type. Anything else,
 * or a mapper that needs more of {@code ResultSet} than {@link LoopRow} offers, stays on JDBC.
 * Thread-safe.
 */
final class LoopReads {

  private static final Logger LOG = LoggerFactory.getLogger(LoopReads.class);
  /** pgjdbc's names of the column types {@link LoopRow} reads (serial: pgjdbc's name of an int4 column with a sequence default). */
  private static final Set<String> JDBC_TYPES = Set.of("int2", "int4", "int8", "smallserial",
      "serial", "bigserial", "numeric", "bool", "varchar", "text", "name", "bpchar");
  /** The same types as Vert.x's client names them. */
  private static final Set<String> LOOP_TYPES = Set.of("INT2", "INT4", "INT8", "NUMERIC", "BOOL",
      "VARCHAR", "TEXT", "NAME", "BPCHAR");
  /** Distinct statements remembered; past this a new statement simply runs through JDBC. */
  private static final int MAX_PLANS = 2048;

  private final Vertx vertx;
  private final DbOptions options;
  private final DownDetector down;
  private final PgConnectOptions connect;
  private final NetClientOptions transport;
  private final PoolOptions pool;
  private final ConcurrentHashMap<Thread, SqlClient> clients = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Plan> plans = new ConcurrentHashMap<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  /** The in-flight gauge, removed on close; null without a meter registry. */
  private final OwnedMeters meters;
  private final Promise<Void> drained = Promise.promise();
  private volatile boolean closed;

  /** What is known of one statement. */
  static final class Plan {
    static final int UNKNOWN = 0;
    static final int LOOP = 1;
    static final int JDBC = 2;

    /** The text between its placeholders; null when it cannot run here at all. */
    final String[] pieces;
    volatile int state;
    /** The last rendering and the parameter types it was rendered for (one pair, replaced whole). */
    private volatile Rendered rendered;

    Plan(String[] pieces) {
      this.pieces = pieces;
      this.state = pieces == null ? JDBC : UNKNOWN;
    }

    boolean unknown() {
      return state == UNKNOWN;
    }

    /** Settles an unknown plan; a plan already settled (refused meanwhile) stays as it is. */
    synchronized void settle(boolean loop) {
      if (state == UNKNOWN) {
        state = loop ? LOOP : JDBC;
      }
    }

    /** From now on this statement runs through JDBC. */
    synchronized void refuse() {
      state = JDBC;
    }

    /** The statement in PostgreSQL's syntax for these parameters, or null (then: JDBC). */
    String sql(Object[] params) {
      if (params.length != pieces.length - 1) {
        return null;
      }
      Rendered r = rendered;
      if (r != null && r.matches(params)) {
        return r.sql;
      }
      String[] types = PgPlaceholders.types(params);
      if (types == null) {
        return null;
      }
      r = new Rendered(PgPlaceholders.render(pieces, types), types);
      rendered = r;
      return r.sql;
    }
  }

  private record Rendered(String sql, String[] types) {
    boolean matches(Object[] params) {
      for (int i = 0; i < params.length; i++) {
        // typeOf returns constants, so identity is equality.
        if (PgPlaceholders.typeOf(params[i]) != types[i]) {
          return false;
        }
      }
      return true;
    }
  }

  private LoopReads(Vertx vertx, DbOptions options, DownDetector down, PgConnectOptions connect,
      NetClientOptions transport, PoolOptions pool) {
    this.vertx = vertx;
    this.options = options;
    this.down = down;
    this.connect = connect;
    this.transport = transport;
    this.pool = pool;
    MeterRegistry registry = options.meterRegistry();
    this.meters = registry == null ? null : new OwnedMeters(registry);
    if (meters != null) {
      meters.add(Gauge.builder("bulwark.db.loop.reads", inFlight, AtomicInteger::get)
          .description("Reads in flight on the event loops' own PostgreSQL connections")
          .tag("pool", options.poolName())
          .register(registry));
    }
  }

  /**
   * The loop reads of {@code options}' database, or null when they do not apply: the option is
   * off, the database is not PostgreSQL, Vert.x's PostgreSQL client is not on the classpath, or the
   * URL or a driver property says something this path cannot honour as pgjdbc does (logged once).
   */
  static LoopReads create(Vertx vertx, DbOptions options, DownDetector down) {
    if (!options.eventLoopReads() || !options.isPostgres()) {
      return null;
    }
    PgConnectOptions connect = new PgConnectOptions();
    String refused = configure(connect, options);
    if (refused != null) {
      LOG.info("{} - reads stay on JDBC threads: {}", options.poolName(), refused);
      return null;
    }
    int loops = 0;
    for (var ignored : ((VertxInternal) vertx).nettyEventLoopGroup()) {
      loops++;
    }
    int perLoop = Math.max(1, (options.maximumPoolSize() + loops - 1) / Math.max(1, loops));
    PoolOptions pool = new PoolOptions()
        .setMaxSize(perLoop)
        .setMaxWaitQueueSize(options.maxWaiters())
        .setConnectionTimeout((int) Math.min(Integer.MAX_VALUE, options.waitTimeout().toMillis()))
        .setConnectionTimeoutUnit(TimeUnit.MILLISECONDS);
    NetClientOptions transport = new NetClientOptions()
        .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, options.connectionTimeout().toMillis()));
    return new LoopReads(vertx, options, down, connect, transport, pool);
  }

  /**
   * Fills {@code connect} from the JDBC URL, the user, password and driver properties; returns why
   * it cannot (a second host, an SSL mode that verifies certificates, a property of unknown
   * meaning), or null.
   */
  static String configure(PgConnectOptions connect, DbOptions options) {
    String url = options.jdbcUrl().substring("jdbc:postgresql:".length());
    if (!url.startsWith("//")) {
      return "the URL names no host";
    }
    int slash = url.indexOf('/', 2);
    int query = url.indexOf('?');
    String hostPort = url.substring(2, slash < 0 ? (query < 0 ? url.length() : query) : slash);
    if (hostPort.contains(",") || hostPort.isEmpty()) {
      return "the URL names several hosts or none";
    }
    int colon = hostPort.lastIndexOf(':');
    boolean bracketed = hostPort.startsWith("[");
    if (colon > 0 && (!bracketed || hostPort.charAt(colon - 1) == ']')) {
      try {
        connect.setPort(Integer.parseInt(hostPort.substring(colon + 1)));
      } catch (NumberFormatException e) {
        return "the URL's port is not a number";
      }
      hostPort = hostPort.substring(0, colon);
    } else {
      connect.setPort(5432);
    }
    connect.setHost(bracketed ? hostPort.substring(1, hostPort.length() - 1) : hostPort);
    String database = slash < 0 ? "" : url.substring(slash + 1, query < 0 ? url.length() : query);
    Map<String, String> props = new LinkedHashMap<>();
    if (query >= 0) {
      for (String pair : url.substring(query + 1).split("&")) {
        if (pair.isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        String key = decode(eq < 0 ? pair : pair.substring(0, eq));
        props.put(key, eq < 0 ? "" : decode(pair.substring(eq + 1)));
      }
    }
    props.putAll(options.dataSourceProperties());
    String user = props.remove("user");
    String password = props.remove("password");
    connect.setUser(options.username() != null ? options.username() : user != null ? user
        : System.getProperty("user.name"));
    connect.setPassword(options.password() != null ? options.password() : password != null ? password : "");
    connect.setDatabase(database.isEmpty() ? connect.getUser() : decode(database));
    connect.addProperty("application_name", "PostgreSQL JDBC Driver");
    SslMode ssl = SslMode.PREFER;
    for (Map.Entry<String, String> p : props.entrySet()) {
      String value = p.getValue();
      switch (p.getKey()) {
        case "ApplicationName":
          connect.addProperty("application_name", value);
          break;
        case "currentSchema":
          connect.addProperty("search_path", value);
          break;
        case "sslmode":
          switch (value.toLowerCase(Locale.ROOT)) {
            case "disable":
              ssl = SslMode.DISABLE;
              break;
            case "allow":
              ssl = SslMode.ALLOW;
              break;
            case "prefer":
              ssl = SslMode.PREFER;
              break;
            default:
              return "sslmode=" + value + " (only disable, allow and prefer are read here)";
          }
          break;
        case "reWriteBatchedInserts": case "prepareThreshold": case "connectTimeout":
        case "loginTimeout": case "socketTimeout": case "tcpKeepAlive":
          break; // JDBC-side settings: nothing to carry over to a read.
        default:
          return "driver property " + p.getKey() + " is not read here";
      }
    }
    connect.setSslMode(ssl);
    if (ssl != SslMode.DISABLE) {
      // As pgjdbc's prefer and allow: encrypted when the server offers it, certificate unchecked.
      connect.setSslOptions(new ClientSSLOptions().setTrustAll(true));
    }
    long timeoutMs = options.statementTimeout().toMillis();
    if (timeoutMs > 0) {
      connect.addProperty("statement_timeout", Long.toString(timeoutMs));
    }
    connect.setCachePreparedStatements(true);
    connect.setTracingPolicy(TracingPolicy.IGNORE);
    return null;
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  /** What is known of {@code sql}; a new statement starts unknown (its first run is JDBC's). */
  Plan plan(String sql) {
    Plan p = plans.get(sql);
    if (p != null) {
      return p;
    }
    if (plans.size() >= MAX_PLANS) {
      return new Plan(null);
    }
    return plans.computeIfAbsent(sql, s -> new Plan(isSelect(s) ? PgPlaceholders.split(s) : null));
  }

  /**
   * The statement's PostgreSQL text when this call can run on the current event loop, else null:
   * the plan qualifies, the database is not marked down (then JDBC fails fast and probes), the
   * caller is on an event loop, and the parameters are typed here.
   */
  String loopSql(Plan plan, Object[] params) {
    if (plan.state != Plan.LOOP || closed || down.isDown()) {
      return null;
    }
    Context ctx = Vertx.currentContext();
    if (ctx == null || !ctx.isEventLoopContext()) {
      return null;
    }
    return plan.sql(params);
  }

  /** Reads in flight on the loops' connections now. */
  int inFlight() {
    return inFlight.get();
  }

  /** Runs {@code sql} (from {@link #loopSql}) on the current event loop's connections. */
  Future<RowSet<Row>> execute(String sql, Object[] params) {
    // Counted before the closed check, and the client looked up after it: a close() that saw no
    // read in flight has set closed first, so this read stops here and opens no client, while a
    // close() that began after the count waits for it before closing the clients.
    inFlight.incrementAndGet();
    if (closed) {
      readDone();
      return Future.failedFuture(new IllegalStateException("the pool is closed"));
    }
    SqlClient client = clients.get(Thread.currentThread());
    if (client == null) {
      client = clients.computeIfAbsent(Thread.currentThread(), t -> PgBuilder.client()
          .with(pool).with(transport).connectingTo(connect).using(vertx)
          .withConnectHandler(LoopReads::consolidateFlushes).build());
    }
    return client.preparedQuery(sql).execute(Tuple.wrap(params)).andThen(ar -> readDone());
  }

  /** A read left the count; the last one out after a close lets the close go on. */
  private void readDone() {
    if (inFlight.decrementAndGet() == 0 && closed) {
      drained.tryComplete();
    }
  }

  /**
   * The result set a learning run's mapper sees: the JDBC rows themselves, and a mapper that calls
   * anything {@link LoopRow} does not offer settles the plan on JDBC before it can ever be run on
   * the loop (so a mapper's needs never send a statement back from the loop, which would run it
   * twice).
   */
  static ResultSet watching(Plan plan, ResultSet rs) {
    return (ResultSet) Proxy.newProxyInstance(LoopReads.class.getClassLoader(),
        new Class<?>[] {ResultSet.class}, (proxy, method, args) -> {
          if (!LoopRow.offers(method)) {
            plan.refuse();
          }
          try {
            return method.invoke(rs, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  /**
   * Records what a JDBC run of an unknown plan showed: its columns decide whether later calls may
   * run on the loop.
   */
  static void learn(Plan plan, ResultSetMetaData md) throws SQLException {
    plan.settle(readable(md));
  }

  /** Whether every column is of a kind {@link LoopRow} reads exactly as pgjdbc does. */
  static boolean readable(ResultSetMetaData md) throws SQLException {
    for (int c = 1; c <= md.getColumnCount(); c++) {
      if (!JDBC_TYPES.contains(md.getColumnTypeName(c))) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether the columns a read on the loop brought are still of those kinds: a statement whose
   * column types follow its parameters' ({@code coalesce(?, 0)}) can bring others than its
   * learning run did.
   */
  static boolean readable(List<ColumnDescriptor> columns) {
    for (ColumnDescriptor c : columns) {
      if (c.isArray() || !LOOP_TYPES.contains(c.typeName())) {
        return false;
      }
    }
    return true;
  }

  private static boolean isSelect(String sql) {
    String op = DbTracing.operation(sql);
    return "SELECT".equals(op) || "VALUES".equals(op) || "TABLE".equals(op);
  }

  /**
   * A failure of a read on the event loop, as the same failure through JDBC would read; null for a
   * failure of this client's own (a value it could not decode), which JDBC would not have: the
   * caller then runs the statement through JDBC.
   */
  Throwable failure(Throwable e) {
    if (e instanceof PgException) {
      PgException pg = (PgException) e;
      return new SQLException(pg.getMessage(), pg.getSqlState(), e);
    }
    if (e instanceof ConnectionPoolTooBusyException
        || (e instanceof VertxException && "Timeout waiting for connection".equals(e.getMessage()))) {
      return new DbBusyException(options.poolName() + " - busy (" + e.getMessage()
          + ") on the event loop's connections (maximumPoolSize=" + options.maximumPoolSize()
          + ", maxWaiters=" + options.maxWaiters() + ", waitTimeout=" + options.waitTimeout() + ")",
          options.waitTimeout());
    }
    if (e instanceof ConnectException) {
      return down.markDown(e);
    }
    if (e instanceof ClosedConnectionException || DownDetector.isConnectionFailure(e)
        || e instanceof IOException) {
      return down.connectionLost(e);
    }
    if (e instanceof IllegalStateException || e instanceof DbBusyException) {
      return e;
    }
    return null;
  }

  /**
   * Puts a {@link FlushConsolidationHandler} first in a new connection's pipeline, so the
   * statements one event-loop turn sends go out in one write. The socket is reached through the
   * connection's public {@code socket()} method, whose class Vert.x exports to its own drivers
   * only: on the class path it is there; where it is not (the module path, another version) the
   * connection simply flushes per statement, as Vert.x does by default.
   */
  private static void consolidateFlushes(SqlConnection conn) {
    try {
      Connection c = ((SqlConnectionInternal) conn).unwrap().unwrap();
      Object socket = c.getClass().getMethod("socket").invoke(c);
      if (socket instanceof NetSocketInternal) {
        ((NetSocketInternal) socket).channelHandlerContext().pipeline()
            .addFirst(new FlushConsolidationHandler(256, true));
      }
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.debug("statements are flushed one by one: {}", e.toString());
    } finally {
      conn.close();
    }
  }

  /**
   * Stops taking reads, lets those in flight finish (for at most {@code grace}), then closes every
   * loop's connections.
   */
  Future<Void> close(Duration grace) {
    closed = true;
    if (inFlight.get() == 0) {
      drained.tryComplete();
    } else {
      try {
        long timer = vertx.setTimer(Math.max(1, grace.toMillis()), id -> drained.tryComplete());
        drained.future().onComplete(v -> vertx.cancelTimer(timer));
      } catch (RuntimeException e) {
        drained.tryComplete(); // Vert.x is closed: its event loops, and these reads, are gone
      }
    }
    if (meters != null) {
      meters.removeAll();
    }
    return drained.future().compose(v -> {
      List<Future<Void>> all = new ArrayList<>();
      for (SqlClient c : clients.values()) {
        all.add(c.close());
      }
      clients.clear();
      return Future.all(all).mapEmpty();
    });
  }
}
