package dev.bulwark.examples.shop;

import dev.bulwark.db.Db;
import dev.bulwark.db.DbOptions;
import dev.bulwark.web.BulwarkServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;

/**
 * The shop application: its Vert.x instance, server and handlers. Start one with
 * {@link #start(ShopConfig)}; stop it with {@link #drain()}. Thread-safe.
 */
public final class Shop {

  private final Vertx vertx;
  private final BulwarkServer server;

  private Shop(Vertx vertx, BulwarkServer server) {
    this.vertx = vertx;
    this.server = server;
  }

  /** Starts the shop; the future completes once it accepts requests. */
  public static Future<Shop> start(ShopConfig config) {
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(config.eventLoops()));
    BulwarkServer server;
    try {
      server = BulwarkServer.create(vertx, config.serverOptions());
    } catch (RuntimeException e) {
      vertx.close();
      return Future.failedFuture(e);
    }
    Db db;
    try {
      db = Db.create(vertx, DbOptions.builder(config.db())
          .poolName("shop")
          .maximumPoolSize(config.dbPoolSize())
          .meterRegistry(server.meterRegistry())
          .build());
    } catch (RuntimeException e) {
      vertx.close();
      return Future.failedFuture(e);
    }
    return wire(vertx, server, db, config)
        .recover(e -> {
          // Report the failure first: once Vert.x is closed its contexts cannot deliver it.
          db.close();
          vertx.close();
          return Future.failedFuture(e);
        });
  }

  private static Future<Shop> wire(Vertx vertx, BulwarkServer server, Db db, ShopConfig config) {
    ShopSchema schema = new ShopSchema(db, config.db().startsWith("jdbc:postgresql:"));
    try {
      server.handler(new ShopHandlers())
          .handler(new ShopDataHandlers(db, schema))
          .handler(new ShopStreamHandlers(db, vertx, schema.postgres()))
          .onDrained(db::close);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return schema.prepare()
        .compose(v -> server.start())
        .map(s -> new Shop(vertx, server));
  }

  /** The bound port. */
  public int port() {
    return server.port();
  }

  /** The server, for its pools, registry and state. */
  public BulwarkServer server() {
    return server;
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
