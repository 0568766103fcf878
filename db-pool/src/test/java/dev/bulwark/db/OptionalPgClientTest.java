package dev.bulwark.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.lang.reflect.Proxy;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Vert.x's PostgreSQL client is an optional dependency: without it on the classpath a Db loads,
 * links and runs every statement through JDBC (its classes are named only by code that runs when
 * the client is there).
 */
class OptionalPgClientTest {

  @Test
  void withoutVertxPgClient_aPostgresDbLoadsAndAnswersThroughJdbc() throws Exception {
    String classPath = System.getProperty("surefire.test.class.path",
        System.getProperty("java.class.path"));
    List<URL> urls = new ArrayList<>();
    for (String entry : classPath.split(File.pathSeparator)) {
      // The SQL client comes only with the PostgreSQL client.
      if (!entry.isEmpty() && !entry.contains("vertx-pg-client") && !entry.contains("vertx-sql-client")) {
        urls.add(Path.of(entry).toUri().toURL());
      }
    }
    Servers.assumePostgres();
    ClassLoader before = Thread.currentThread().getContextClassLoader();
    try (URLClassLoader loader = new URLClassLoader(urls.toArray(new URL[0]),
        ClassLoader.getPlatformClassLoader())) {
      // Vert.x finds its service providers through the context class loader.
      Thread.currentThread().setContextClassLoader(loader);
      assertThatThrownBy(() -> Class.forName("io.vertx.pgclient.PgBuilder", false, loader))
          .isInstanceOf(ClassNotFoundException.class);
      // Initialising the implementation links (verifies) every method of it.
      Class.forName("dev.bulwark.db.impl.DefaultDb", true, loader);
      // DriverManager hands a caller only drivers of its own loader; this registers the loader's.
      Class.forName("org.postgresql.Driver", true, loader);
      Class<?> vertxType = Class.forName("io.vertx.core.Vertx", true, loader);
      Class<?> optionsType = Class.forName("dev.bulwark.db.DbOptions", true, loader);
      Class<?> builderType = Class.forName("dev.bulwark.db.DbOptions$Builder", true, loader);
      Class<?> dbType = Class.forName("dev.bulwark.db.Db", true, loader);
      Class<?> mapperType = Class.forName("dev.bulwark.db.RowMapper", true, loader);
      Class<?> futureType = Class.forName("io.vertx.core.Future", true, loader);

      Object vertx = vertxType.getMethod("vertx").invoke(null);
      Object builder = optionsType.getMethod("builder", String.class).invoke(null, Servers.PG_URL);
      Object options = builderType.getMethod("build").invoke(builder);
      Object db = dbType.getMethod("create", vertxType, optionsType).invoke(null, vertx, options);
      Object mapper = Proxy.newProxyInstance(loader, new Class<?>[] {mapperType},
          (proxy, method, args) -> "map".equals(method.getName())
              ? ((ResultSet) args[0]).getInt(1) : method.invoke(this, args));
      try {
        for (int run = 0; run < 2; run++) {
          Object future = dbType.getMethod("queryOne", String.class, mapperType, Object[].class)
              .invoke(db, "SELECT ? + 1", mapper, new Object[] {41});
          Object stage = futureType.getMethod("toCompletionStage").invoke(future);
          assertThat(((CompletionStage<?>) stage).toCompletableFuture().get(10, TimeUnit.SECONDS))
              .isEqualTo(Optional.of(42));
        }
      } finally {
        Object closed = dbType.getMethod("close").invoke(db);
        ((CompletionStage<?>) futureType.getMethod("toCompletionStage").invoke(closed))
            .toCompletableFuture().get(10, TimeUnit.SECONDS);
        Object vertxClosed = vertxType.getMethod("close").invoke(vertx);
        ((CompletionStage<?>) futureType.getMethod("toCompletionStage").invoke(vertxClosed))
            .toCompletableFuture().get(10, TimeUnit.SECONDS);
      }
    } finally {
      Thread.currentThread().setContextClassLoader(before);
    }
  }
}
