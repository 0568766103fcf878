package dev.bulwark.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code benchmarks/load/profile.sh} as a user runs it, with a short load: it starts a shop (or
 * attaches to one), records a JFR, and prints where the CPU went plus a collapsed-stack file.
 * Needs both jars, so it runs in a whole-reactor {@code mvn verify} (benchmarks builds first).
 */
class ProfileScriptIT {

  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Path BENCH_JAR = ROOT.resolve("benchmarks/target/benchmarks.jar");

  @TempDir
  Path out;

  private final List<Process> processes = new ArrayList<>();

  @AfterEach
  void killLeftovers() {
    processes.forEach(Process::destroyForcibly);
  }

  private static String shopJar() {
    String jar = System.getProperty("bulwark.examples.jar", "target/bulwark-examples.jar");
    assertThat(new File(jar)).as("the shaded jar, built by mvn package").exists();
    return jar;
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private String runScript(String... args) throws Exception {
    assumeTrue(Files.isRegularFile(BENCH_JAR), "benchmarks.jar not built in this run: " + BENCH_JAR);
    List<String> command = new ArrayList<>(List.of("bash", ROOT.resolve("benchmarks/load/profile.sh").toString()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    env.put("SHOP_JAR", Path.of(shopJar()).toAbsolutePath().toString());
    env.put("BENCH_JAR", BENCH_JAR.toString());
    env.put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
    env.put("OUT_DIR", out.toString());
    env.put("WARMUP", "1");
    env.put("CONNECTIONS", "8");
    env.put("RATE", "300");
    Process p = pb.start();
    processes.add(p);
    CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
      try {
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    assertThat(p.waitFor(180, TimeUnit.SECONDS)).as("profile.sh finished").isTrue();
    String printed = output.get(10, TimeUnit.SECONDS);
    assertThat(p.exitValue()).as(printed).isZero();
    return printed;
  }

  private void assertProfiled(String printed) throws Exception {
    assertThat(printed).containsPattern("\\d+ execution samples")
        .contains("Top ", "frames by self time", "Samples by thread group", "vert.x-eventloop-thread-N");
    assertThat(out.resolve("profile.jfr")).isNotEmptyFile();
    assertThat(out.resolve("report.txt")).isNotEmptyFile();
    List<String> stacks = Files.readAllLines(out.resolve("profile.collapsed"));
    assertThat(stacks).isNotEmpty().allSatisfy(line -> assertThat(line).matches("\\S+ \\d+"));
    assertThat(stacks).anySatisfy(line -> assertThat(line).startsWith("vert.x-eventloop-thread-N;"));
  }

  @Test
  void startsAShopLoadsItAndReportsWhereTheTimeWent() throws Exception {
    int port = freePort();

    String printed = runScript("http://127.0.0.1:" + port + "/hello", "3");

    assertProfiled(printed);
    assertThat(printed).contains("shop ready");
  }

  @Test
  void attachesToARunningJvmAndLeavesItRunning() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process shop = new ProcessBuilder(java, "-jar", shopJar(), "--port", "0")
        .redirectError(Files.createTempFile("shop", ".err").toFile()).start();
    processes.add(shop);
    String first = CompletableFuture.supplyAsync(() -> {
      try {
        return new BufferedReader(new InputStreamReader(shop.getInputStream(), StandardCharsets.UTF_8)).readLine();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }).get(60, TimeUnit.SECONDS);
    assertThat(first).startsWith("listening on http://127.0.0.1:");

    String printed = runScript("--pid", Long.toString(shop.pid()), first.substring("listening on ".length()) + "/hello", "3");

    assertProfiled(printed);
    assertThat(shop.isAlive()).as("the profiled shop still runs").isTrue();
  }
}
