package dev.bulwark.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The streaming contract on PostgreSQL, plus what only a real server shows: the export is a COPY
 * that a slow client holds open (its backend waiting to write), and that a client leaving cancels
 * at once, freeing both the server-side query and the pool's connection.
 */
class ShopStreamingPostgresTest extends ShopStreamingContract {

  /**
   * The name this run's shop gives its connections: the server is shared, and another run's (or
   * another session's) exports must not be taken for this one's.
   */
  private static final String APPLICATION = "bulwark-streaming-test-" + ProcessHandle.current().pid();

  /** This shop's export query is running (or suspended between fetches) in one of these backends. */
  private static final String RUNNING_EXPORTS = "SELECT pid FROM pg_stat_activity "
      + "WHERE application_name = ? AND query LIKE '%generate_series(1::bigint%' AND pid <> pg_backend_pid()"
      + " AND state <> 'idle'";

  @BeforeAll
  static void start() throws Exception {
    Servers.assumePostgres();
    startShop(Servers.POSTGRES_URL + "&ApplicationName=" + APPLICATION);
  }

  private static Set<Integer> runningExports() throws Exception {
    Set<Integer> pids = new HashSet<>();
    try (Connection c = DriverManager.getConnection(Servers.POSTGRES_URL);
        PreparedStatement ps = c.prepareStatement(RUNNING_EXPORTS)) {
      ps.setString(1, APPLICATION);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          pids.add(rs.getInt(1));
        }
      }
    }
    return pids;
  }

  /** The wait event of backend {@code pid}, or null. */
  private static String waitEvent(int pid) throws Exception {
    try (Connection c = DriverManager.getConnection(Servers.POSTGRES_URL);
        PreparedStatement ps = c.prepareStatement("SELECT wait_event FROM pg_stat_activity WHERE pid = ?")) {
      ps.setInt(1, pid);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }

  @Test
  void export_twoHundredThousandRows_arriveComplete() throws Exception {
    HttpResponse<InputStream> r = CLIENT.send(request("/export?rows=200000").build(),
        HttpResponse.BodyHandlers.ofInputStream());

    assertThat(r.statusCode()).isEqualTo(200);
    assertExport(r.body(), 200_000);
  }

  @Test
  void export_slowClientLeaving_endsTheQueryAndFreesTheConnection() throws Exception {
    // Exports this shop's earlier tests may still have going, so they are not taken for this one.
    Set<Integer> before = runningExports();
    Set<Integer> ours;
    try (Socket socket = new Socket()) {
      socket.setSoTimeout(20_000);
      socket.connect(new InetSocketAddress("127.0.0.1", shop.port()), 2000);
      socket.getOutputStream().write("GET /export?rows=5000000 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
          .getBytes(StandardCharsets.ISO_8859_1));
      InputStream in = socket.getInputStream();
      byte[] buffer = new byte[8192];
      long read = 0;
      // About 200 KB/s for about 2 s: far slower than the database, so the stream stays paused.
      long end = System.nanoTime() + Duration.ofSeconds(2).toNanos();
      while (System.nanoTime() < end) {
        int n = in.read(buffer);
        assertThat(n).as("the export ended early").isPositive();
        read += n;
        Thread.sleep(40);
      }
      assertThat(read).isPositive();
      ours = runningExports();
      ours.removeAll(before);
      assertThat(ours).as("backends running this export while the client reads").hasSize(1);
      // Backpressure reaches the database: its backend waits for the shop to read, which waits for
      // the client, so nothing piles up in the shop's memory.
      Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
          .until(() -> "ClientWrite".equals(waitEvent(ours.iterator().next())));
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> activeConnections() == 1.0);
    }

    // 5 s: the pool's gauge of connections out is refreshed at most once a second.
    Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
      Set<Integer> running = runningExports();
      running.retainAll(ours);
      assertThat(running).as("backends still running the export").isEmpty();
      assertThat(activeConnections()).as("connections still out").isEqualTo(0.0);
    });
  }

  @Test
  void export_clientLeavingBeforeReadingAnything_endsTheQuery() throws Exception {
    Set<Integer> before = runningExports();
    Set<Integer> ours = new HashSet<>();
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", shop.port()), 2000);
      socket.getOutputStream().write("GET /export?rows=100000000 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
          .getBytes(StandardCharsets.ISO_8859_1));
      Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> {
        ours.addAll(runningExports());
        ours.removeAll(before);
        return !ours.isEmpty();
      });
    }

    // A query that computed all its rows before the first (generate_series in FROM does) could
    // not be stopped here: the cursor is only told to stop between fetches.
    Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
      Set<Integer> running = runningExports();
      running.retainAll(ours);
      assertThat(running).as("backends still running the export").isEmpty();
      assertThat(activeConnections()).as("connections still out").isEqualTo(0.0);
    });
  }
}
