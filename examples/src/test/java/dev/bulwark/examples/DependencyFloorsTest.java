package dev.bulwark.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The oldest versions of the libraries on the shop's class path that Bulwark accepts, each below a
 * known defect of its own: vertx-core 5.0.7, pgjdbc 42.7.2 (CVE-2024-1597, SQL injection through
 * the simple query mode), Redisson 3.22.0. A dependency that a build drags below its floor fails
 * here, not in production. The versions are read from what is actually loaded.
 */
class DependencyFloorsTest {

  @ParameterizedTest
  @CsvSource({"io.vertx, vertx-core, 5.0.7", "org.redisson, redisson, 3.22.0"})
  void libraryIsAtLeastItsFloor(String group, String artifact, String floor) throws IOException {
    String resource = "/META-INF/maven/" + group + "/" + artifact + "/pom.properties";
    Properties p = new Properties();
    try (InputStream in = DependencyFloorsTest.class.getResourceAsStream(resource)) {
      assertThat(in).as(resource + " on the class path").isNotNull();
      p.load(in);
    }

    assertThat(compare(p.getProperty("version"), floor)).as(artifact + " " + p.getProperty("version"))
        .isGreaterThanOrEqualTo(0);
  }

  @Test
  void pgjdbcIsAtLeastItsFloor() {
    String version = org.postgresql.util.DriverInfo.DRIVER_VERSION;

    assertThat(compare(version, "42.7.2")).as("pgjdbc " + version).isGreaterThanOrEqualTo(0);
  }

  @Test
  void compare_ordersNumericallyNotAsText() {
    assertThat(compare("5.0.10", "5.0.7")).isPositive();
    assertThat(compare("42.7.1", "42.7.2")).isNegative();
    assertThat(compare("3.22.0", "3.22.0")).isZero();
    assertThat(compare("3.52.0.Final", "3.22.0")).isPositive();
  }

  /** Compares dotted versions by their leading numeric parts ({@code 5.0.10 > 5.0.7}). */
  static int compare(String a, String b) {
    String[] x = a.split("[.-]");
    String[] y = b.split("[.-]");
    for (int i = 0; i < Math.max(x.length, y.length); i++) {
      int u = i < x.length ? number(x[i]) : 0;
      int v = i < y.length ? number(y[i]) : 0;
      if (u != v) {
        return Integer.compare(u, v);
      }
    }
    return 0;
  }

  private static int number(String part) {
    int end = 0;
    while (end < part.length() && Character.isDigit(part.charAt(end))) {
      end++;
    }
    return end == 0 ? 0 : Integer.parseInt(part.substring(0, end));
  }
}
