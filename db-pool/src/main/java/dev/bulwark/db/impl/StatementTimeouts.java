package dev.bulwark.db.impl;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;

/**
 * The pool's statement timeout on statements that code outside {@link DefaultDb} prepares (a
 * {@link dev.bulwark.db.BatchLoader}'s batch function): a view of a borrowed connection whose
 * {@code createStatement}, {@code prepareStatement} and {@code prepareCall} return statements with
 * {@code setQueryTimeout} already applied; every other call goes to the connection as it is
 * ({@code unwrap} too, so {@code PGConnection} stays reachable). Stateless; the view is as
 * thread-safe as the connection.
 */
final class StatementTimeouts {

  private static final Set<String> FACTORIES = Set.of("createStatement", "prepareStatement", "prepareCall");

  private StatementTimeouts() {
  }

  /** {@code c} itself when {@code seconds} is zero (no timeout), else the view described above. */
  static Connection applying(Connection c, int seconds) {
    if (seconds == 0) {
      return c;
    }
    return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(),
        new Class<?>[] {Connection.class}, (proxy, method, args) -> invoke(c, seconds, method, args));
  }

  /**
   * Gives a new statement the timeout, closing it if that fails. The timeout is set only when the
   * statement does not have it already: H2 keeps it per session and its {@code setQueryTimeout}
   * runs {@code SET QUERY_TIMEOUT}, which makes every cached plan of the database be parsed and
   * planned again (most of what an H2 lookup through the bridge cost); its
   * {@code getQueryTimeout} answers from a cached field, so a connection pays the {@code SET}
   * once. A driver that keeps the timeout per statement (pgjdbc) answers 0 and gets it set.
   * Work that changes it through JDBC ({@code setQueryTimeout}) updates that field, so the next
   * statement sets it back; work that runs the SQL {@code SET QUERY_TIMEOUT} itself on H2 leaves
   * the field stale, and that connection keeps the work's timeout.
   */
  static void apply(Statement s, int seconds) throws SQLException {
    if (seconds == 0) {
      return;
    }
    try {
      if (s.getQueryTimeout() != seconds) {
        s.setQueryTimeout(seconds);
      }
    } catch (SQLException | RuntimeException e) {
      try {
        s.close();
      } catch (SQLException closing) {
        e.addSuppressed(closing);
      }
      throw e;
    }
  }

  private static Object invoke(Connection c, int seconds, Method method, Object[] args) throws Throwable {
    Object result;
    try {
      result = method.invoke(c, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
    if (result instanceof Statement && FACTORIES.contains(method.getName())) {
      apply((Statement) result, seconds);
    }
    return result;
  }
}
