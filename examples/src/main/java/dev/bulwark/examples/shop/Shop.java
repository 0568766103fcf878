package dev.bulwark.examples.shop;

import dev.bulwark.core.WorkerPool;
import dev.bulwark.db.Db;
import dev.bulwark.db.DbOptions;
import dev.bulwark.tasks.TaskQueue;
import dev.bulwark.web.BulwarkServer;
import dev.bulwark.web.StaticAssets;
import dev.bulwark.web.StaticAssetsOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The shop application: its Vert.x instance, server and handlers. Start one with
 * {@link #start(ShopConfig)}; stop it with {@link #drain()}. Thread-safe.
 *
 * <p>Implementation note. A start runs on two threads: the tables are built and seeded first
 * thing on a thread of their own ({@link ShopSchema#build}), while the caller's thread creates
 * Vert.x, the server, the pools, the task queue and the routes; the two meet before anything can
 * use the data: the pool's first statement ({@link ShopSchema#syncSequence}), then the task
 * workers, then the port. So {@code listening} (and {@code /ready}) still mean that every route
 * answers as WORKLOAD.md says, and the start takes the longer of the two paths, not their sum.
 * A start that fails at any step, at once or later, closes what the steps before built, last
 * first (the assets, the task queue, both pools, the server, Vert.x, the building connection;
 * {@link StartUndo}), and only then fails with that step's error.
 */
public final class Shop {

  /** The classpath folder of the static bundle served under {@code /assets}. */
  static final String ASSETS_FOLDER = "assets";
  /** Connections for {@code /export}, apart from the main pool. */
  static final int EXPORT_POOL_SIZE = 4;
  /** Exports that may wait for one of them. */
  static final int EXPORT_MAX_WAITERS = 256;
  /** How long an export may wait for a connection. */
  static final java.time.Duration EXPORT_WAIT = java.time.Duration.ofSeconds(60);

  private final Vertx vertx;
  private final BulwarkServer server;
  private final TaskQueue tasks;

  private Shop(Vertx vertx, BulwarkServer server, TaskQueue tasks) {
    this.vertx = vertx;
    this.server = server;
    this.tasks = tasks;
  }

  /** Starts the shop; the future completes once it accepts requests. */
  public static Future<Shop> start(ShopConfig config) {
    return start(config, false);
  }

  /**
   * Starts the shop, with Vert.x's OpenTelemetry tracing when {@code traced} (spans go to
   * {@code GlobalOpenTelemetry}; see {@link ShopTracing}); the future completes once it accepts
   * requests.
   */
  public static Future<Shop> start(ShopConfig config, boolean traced) {
    // First: the tables are built on their own thread while everything below is created.
    Future<Connection> built = ShopSchema.build(config.db());
    // A step that fails closes what the steps before it built, last first, then reports why.
    StartUndo undo = new StartUndo();
    undo.add(() -> ShopSchema.discard(built));
    try {
      VertxOptions vertxOptions = new VertxOptions().setEventLoopPoolSize(config.eventLoops());
      if (traced) {
        ShopTracing.traced(vertxOptions);
      }
      VertxBuilder builder = Vertx.builder().withTransport(config.transport().vertxTransport());
      Vertx vertx = config.accessLog()
          ? builder.with(AccessLog.enable(vertxOptions)).withMetrics(new AccessLog()).build()
          : builder.with(vertxOptions).build();
      undo.add(vertx::close);
      BulwarkServer server = BulwarkServer.create(vertx, config.serverOptions());
      // A server that never started is released by its drain: pools, cache manager, meters.
      undo.add(server::drain);
      Db db = Db.create(vertx, DbOptions.builder(config.db())
          .poolName("shop")
          .maximumPoolSize(config.dbPoolSize())
          .meterRegistry(server.meterRegistry())
          .build());
      Supplier<Future<?>> closeDb = undo.add(db::close);
      // A bulkhead: exports hold a connection for as long as the client reads, so they get their
      // own small pool, with a long, deep wait, and never starve the short queries.
      DbOptions.Builder exportOptions = DbOptions.builder(config.db())
          .poolName("shop-export")
          .maximumPoolSize(EXPORT_POOL_SIZE)
          .maxWaiters(EXPORT_MAX_WAITERS)
          .waitTimeout(EXPORT_WAIT)
          .statementTimeout(java.time.Duration.ZERO)
          .meterRegistry(server.meterRegistry());
      if (config.db().startsWith("jdbc:h2:")) {
        // Without it H2 computes the whole result before the first row: memory and the time to
        // the first byte grow with rows, and a client leaving cannot stop it.
        exportOptions.dataSourceProperty("LAZY_QUERY_EXECUTION", "TRUE");
      }
      Db exportDb = Db.create(vertx, exportOptions.build());
      Supplier<Future<?>> closeExportDb = undo.add(exportDb::close);
      TaskQueue tasks = TaskQueue.create(vertx, config.taskOptions(server.meterRegistry()));
      Supplier<Future<?>> closeTasks = undo.add(tasks::close);
      // Workers stop claiming as the drain starts (beside the HTTP drain, not after its grace);
      // running tasks finish, or are left for another worker, before their database closes.
      server.onDraining(() -> tasks.drain(config.drainGrace()))
          .onDrained(closeTasks)
          .onDrained(closeExportDb)
          .onDrained(closeDb);
      return undo.closeIfFailed(wire(vertx, server, db, exportDb, tasks, config, built, undo));
    } catch (RuntimeException e) {
      return undo.fail(e);
    }
  }

  /**
   * Mounts the routes (their assets' closers go to {@code undo} and the drain), then awaits the
   * tables and starts the task queue and the server.
   */
  private static Future<Shop> wire(Vertx vertx, BulwarkServer server, Db db, Db exportDb,
      TaskQueue tasks, ShopConfig config, Future<Connection> built, StartUndo undo) {
    ShopSchema schema = new ShopSchema(db, ShopSchema.postgres(config.db()));
    tasks.registerAsync(ReportTask.TYPE, ReportTask.Params.class, new ReportTask(db, schema.postgres()));
    if (config.role().servesShop()) {
      StaticAssets assets = StaticAssets.create(vertx, StaticAssetsOptions.builder()
          .classpath(ASSETS_FOLDER).meterRegistry(server.meterRegistry()).build());
      server.routes(assets::mountOn).handler(new ShopPages(assets))
          .onDrained(undo.add(closeBlocking(vertx, assets)));
      server.handler(new ShopHandlers())
          .handler(new ShopDataHandlers(db, schema))
          .handler(new ShopStreamHandlers(exportDb, vertx, schema.postgres()))
          .handler(new ShopTaskHandlers(tasks));
    }
    if (config.ops()) {
      mountOps(vertx, server, db, exportDb, tasks, config, undo);
    }
    // Tasks may run (a Redis queue's, at once) and requests come only once the data is there.
    return built.compose(schema::syncSequence)
        .compose(v -> tasks.start())
        .compose(v -> server.start())
        .map(s -> new Shop(vertx, server, tasks));
  }

  /** The live ops page ({@link OpsRoutes}), on every role: a worker's queue needs watching too. */
  private static void mountOps(Vertx vertx, BulwarkServer server, Db db, Db exportDb,
      TaskQueue tasks, ShopConfig config, StartUndo undo) {
    List<WorkerPool> pools = new ArrayList<>();
    config.serverOptions().workerPools().keySet().forEach(name -> pools.add(server.pool(name)));
    Map<String, Db> databases = new LinkedHashMap<>();
    databases.put("shop", db);
    databases.put("shop-export", exportDb);
    OpsState state = new OpsState(pools, databases, server.cacheManager(), List.of(tasks),
        server.meterRegistry());
    StaticAssets opsAssets = StaticAssets.create(vertx, StaticAssetsOptions.builder()
        .classpath(OpsRoutes.ASSETS_FOLDER).prefix(OpsRoutes.ASSETS_PREFIX).name("ops")
        .meterRegistry(server.meterRegistry()).build());
    Supplier<Future<?>> closeOpsAssets = undo.add(closeBlocking(vertx, opsAssets));
    OpsRoutes ops = new OpsRoutes(new OpsAccess(config.opsToken()), state, opsAssets);
    server.routes(ops::mountOn).onDrained(closeOpsAssets);
  }

  /** Closes {@code assets} (file I/O) on a worker thread. */
  private static Supplier<Future<?>> closeBlocking(Vertx vertx, StaticAssets assets) {
    return () -> vertx.executeBlocking(() -> {
      assets.close();
      return null;
    });
  }

  /** The bound port. */
  public int port() {
    return server.port();
  }

  /** The server, for its pools, registry and state. */
  public BulwarkServer server() {
    return server;
  }

  /** The shop's Vert.x, for its transport. */
  Vertx vertx() {
    return vertx;
  }

  /** The shop's task queue. */
  TaskQueue tasks() {
    return tasks;
  }

  /** Drains the server (in-flight requests finish) and closes Vert.x. */
  public Future<Void> drain() {
    return server.drain().eventually(() -> vertx.close());
  }

  /** Makes SIGTERM/SIGINT drain and exit 0. */
  void exitOnSignal() {
    server.exitOnSignal();
  }
}
