package dev.bulwark.examples.shop;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Local servers for tests. Without them a test is skipped with a clear message, unless the
 * system property {@code bulwark.requireServers} is {@code true} (CI), where it fails instead.
 */
final class Servers {

  static final String POSTGRES_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";
  static final String REDIS_HOST = "127.0.0.1";
  static final int REDIS_PORT = 6379;
  static final String REDIS_URL = "redis://" + REDIS_HOST + ":" + REDIS_PORT;

  private Servers() {
  }

  static void assumePostgres() {
    DriverManager.setLoginTimeout(2);
    try (Connection c = DriverManager.getConnection(POSTGRES_URL)) {
      c.isValid(2);
    } catch (SQLException e) {
      String message = "PostgreSQL is not reachable at 127.0.0.1:5432 (" + e.getMessage() + ")";
      if (Boolean.getBoolean("bulwark.requireServers")) {
        Assertions.fail(message + ", and bulwark.requireServers=true");
      }
      Assumptions.abort(message + "; skipping (set -Dbulwark.requireServers=true to fail instead)");
    }
  }

  static void assumeRedis() {
    String problem = redisProblem();
    if (problem != null) {
      String message = "Redis is not reachable at " + REDIS_HOST + ":" + REDIS_PORT + " (" + problem + ")";
      if (Boolean.getBoolean("bulwark.requireServers")) {
        Assertions.fail(message + ", and bulwark.requireServers=true");
      }
      Assumptions.abort(message + "; skipping (set -Dbulwark.requireServers=true to fail instead)");
    }
  }

  /** Null when Redis answers PING; else why not. */
  private static String redisProblem() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(REDIS_HOST, REDIS_PORT), 1000);
      s.setSoTimeout(1000);
      OutputStream out = s.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[7];
      int n = in.read(buf);
      String answer = n <= 0 ? "" : new String(buf, 0, n, StandardCharsets.US_ASCII);
      return answer.startsWith("+PONG") ? null : "unexpected answer to PING: '" + answer.trim() + "'";
    } catch (IOException e) {
      return e.getClass().getSimpleName() + ": " + e.getMessage();
    }
  }
}
