package dev.bulwark.benchmarks.db;

import dev.bulwark.db.Db;
import dev.bulwark.db.DbOptions;
import dev.bulwark.db.InsertOptions;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Bulk insert into PostgreSQL, four ways, in one run, on the same rows
 * {@code (id, 'Name id', id % 10000)}: {@code Db.insertRows} with JDBC batches, with COPY,
 * {@code psql \copy} of the same rows from a CSV file, and one autocommitted INSERT per row
 * (the naive loop; run on fewer rows, compared by rate). Each way starts from an empty table.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.bulwark.benchmarks.db.BulkInsertBench \
 *     [--rows 100000] [--single-rows 10000] [--url jdbc:postgresql://127.0.0.1:5432/test?user=postgres]
 * </pre>
 * Prints rows/s for each and the two ratios the project tracks: COPY / psql (target >= 0.5) and
 * batches / one-row-at-a-time (target >= 10). Needs {@code psql} on the PATH.
 */
public final class BulkInsertBench {

  private BulkInsertBench() {
  }

  public static void main(String[] args) throws Exception {
    int rows = 100_000;
    int singleRows = 10_000;
    String url = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--rows" -> rows = positive("--rows", args[++i]);
        case "--single-rows" -> singleRows = positive("--single-rows", args[++i]);
        case "--url" -> url = args[++i];
        default -> {
          System.err.println("unknown option " + args[i] + "; options: --rows N --single-rows N --url JDBC_URL");
          System.exit(2);
        }
      }
    }
    List<Object[]> data = new ArrayList<>(rows);
    for (long id = 1; id <= rows; id++) {
      data.add(new Object[] {id, "Name " + id, (int) (id % 10000)});
    }
    String jdbcUrl = url;
    Vertx vertx = Vertx.vertx();
    Db db = Db.create(vertx, DbOptions.builder(url).maximumPoolSize(2).build());
    try {
      double batch = timed("Db.insertRows BATCH", rows, url, () ->
          db.insertRows("bulk_bench", List.of("id", "name", "price"), data, InsertOptions.BATCH)
              .toCompletionStage().toCompletableFuture().get(10, TimeUnit.MINUTES));
      double copy = timed("Db.insertRows COPY", rows, url, () ->
          db.insertRows("bulk_bench", List.of("id", "name", "price"), data, InsertOptions.COPY)
              .toCompletionStage().toCompletableFuture().get(10, TimeUnit.MINUTES));
      Path csv = Files.createTempFile("bulk", ".csv");
      StringBuilder sb = new StringBuilder(rows * 24);
      for (Object[] r : data) {
        sb.append(r[0]).append(',').append(r[1]).append(',').append(r[2]).append('\n');
      }
      Files.writeString(csv, sb, StandardCharsets.UTF_8);
      double psql = timed("psql \\copy", rows, url, () -> {
        Process p = new ProcessBuilder("psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "test", "-qc",
            "\\copy bulk_bench (id, name, price) FROM '" + csv + "' WITH (FORMAT csv)")
            .inheritIO().start();
        if (p.waitFor() != 0) {
          throw new IllegalStateException("psql failed");
        }
        return null;
      });
      Files.delete(csv);
      int single = singleRows;
      double oneByOne = timed("one autocommitted INSERT per row", single, url, () -> {
        try (Connection c = DriverManager.getConnection(jdbcUrl);
            PreparedStatement ps = c.prepareStatement("INSERT INTO bulk_bench (id, name, price) VALUES (?, ?, ?)")) {
          for (int i = 0; i < single; i++) {
            Object[] r = data.get(i);
            ps.setObject(1, r[0]);
            ps.setObject(2, r[1]);
            ps.setObject(3, r[2]);
            ps.executeUpdate();
          }
        }
        return null;
      });
      System.out.printf("%nCOPY / psql \\copy     %.2f  (target >= 0.5)%n", copy / psql);
      System.out.printf("batches / one-by-one  %.1f  (target >= 10)%n", batch / oneByOne);
      System.out.printf("RESULT batch_rps=%.0f copy_rps=%.0f psql_rps=%.0f single_rps=%.0f copy_vs_psql=%.2f batch_vs_single=%.1f%n",
          batch, copy, psql, oneByOne, copy / psql, batch / oneByOne);
    } finally {
      try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
        s.execute("DROP TABLE IF EXISTS bulk_bench");
      }
      db.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  private interface Work {
    Object run() throws Exception;
  }

  /** Recreates the table, runs {@code work}, checks the row count, prints and returns rows/s. */
  private static double timed(String what, int rows, String url, Work work) throws Exception {
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
      s.execute("DROP TABLE IF EXISTS bulk_bench");
      s.execute("CREATE TABLE bulk_bench (id BIGINT PRIMARY KEY, name VARCHAR(100) NOT NULL, price INT NOT NULL)");
    }
    long start = System.nanoTime();
    work.run();
    double seconds = (System.nanoTime() - start) / 1e9;
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM bulk_bench")) {
      rs.next();
      if (rs.getLong(1) != rows) {
        throw new IllegalStateException(what + " left " + rs.getLong(1) + " rows, not " + rows);
      }
    }
    double rate = rows / seconds;
    System.out.printf("%-34s %9d rows in %7.3f s = %10.0f rows/s%n", what, rows, seconds, rate);
    return rate;
  }

  private static int positive(String option, String value) {
    try {
      int n = Integer.parseInt(value);
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // fall through
    }
    System.err.println(option + " must be a positive integer, but was '" + value + "'");
    System.exit(2);
    return 0;
  }
}
