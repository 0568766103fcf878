package dev.bulwark.core.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The real servers the modules' tests run against, on their standard local ports, and the one
 * policy for their absence: a test that needs one is skipped with a clear message, unless the
 * system property {@code bulwark.requireServers} is {@code true} (CI sets it), where it fails.
 * Each server is probed once per JVM. Shared through core's test jar.
 */
public final class LocalServers {

  public static final String POSTGRES_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";
  public static final String REDIS_HOST = "127.0.0.1";
  public static final int REDIS_PORT = 6379;
  public static final String REDIS_URL = "redis://" + REDIS_HOST + ":" + REDIS_PORT;

  private static final Object LOCK = new Object();
  private static String postgresProblem;
  private static String redisProblem;
  private static boolean postgresProbed;
  private static boolean redisProbed;

  private LocalServers() {
  }

  /** Skips (or with {@code bulwark.requireServers=true} fails) the test unless PostgreSQL answers. */
  public static void assumePostgres() {
    String why;
    synchronized (LOCK) {
      if (!postgresProbed) {
        postgresProbed = true;
        postgresProblem = postgresProblem();
      }
      why = postgresProblem;
    }
    requireOrSkip("PostgreSQL", "127.0.0.1:5432", why);
  }

  /** Skips (or with {@code bulwark.requireServers=true} fails) the test unless Redis answers. */
  public static void assumeRedis() {
    String why;
    synchronized (LOCK) {
      if (!redisProbed) {
        redisProbed = true;
        redisProblem = redisProblem(REDIS_PORT);
      }
      why = redisProblem;
    }
    requireOrSkip("Redis", REDIS_HOST + ":" + REDIS_PORT, why);
  }

  /** A plain connection to the PostgreSQL test database, outside any pool. */
  public static Connection connectPostgres() throws SQLException {
    Properties props = new Properties();
    props.setProperty("loginTimeout", "2");
    props.setProperty("connectTimeout", "2");
    return DriverManager.getConnection(POSTGRES_URL, props);
  }

  /** Null when a Redis on {@code port} (loopback) answers PING; else why not. */
  public static String redisProblem(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(REDIS_HOST, port), 1000);
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

  private static String postgresProblem() {
    try (Connection c = connectPostgres()) {
      return c.isValid(2) ? null : "connection not valid";
    } catch (SQLException e) {
      return e.getClass().getSimpleName() + ": " + e.getMessage();
    }
  }

  /**
   * The one policy for a missing server or tool: returns when {@code problem} is null; else skips
   * the test, or fails it under {@code bulwark.requireServers=true}, saying what and why.
   */
  public static void requireOrSkip(String server, String address, String problem) {
    if (problem == null) {
      return;
    }
    if ("true".equalsIgnoreCase(System.getProperty("bulwark.requireServers"))) {
      Assertions.fail(server + " is required (bulwark.requireServers=true) but not reachable at "
          + address + ": " + problem);
    }
    Assumptions.abort(server + " not reachable at " + address + " (" + problem
        + "); test skipped. Set -Dbulwark.requireServers=true to fail instead.");
  }
}
