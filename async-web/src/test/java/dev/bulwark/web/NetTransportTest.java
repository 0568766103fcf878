package dev.bulwark.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.transport.Transport;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link NetTransport}: its names, the choice when io_uring is missing, and a server answering
 * over loopback on each transport this machine has.
 */
class NetTransportTest {

  public static class Hello {
    @Get("/hello")
    @NonBlocking
    public String hello() {
      return "hello on " + (Vertx.currentContext().owner().isNativeTransportEnabled() ? "native" : "nio");
    }
  }

  @ParameterizedTest
  @CsvSource({"auto, AUTO", "AUTO, AUTO", "io_uring, IO_URING", "IO_URING, IO_URING", "nio, NIO", "Nio, NIO"})
  void parse_takesTheThreeNamesInAnyCase(String text, NetTransport expected) {
    assertThat(NetTransport.parse("--transport", text)).isEqualTo(expected);
    assertThat(NetTransport.parse("--transport", expected.optionValue())).isEqualTo(expected);
  }

  @ParameterizedTest
  @NullSource
  @ValueSource(strings = {"", "epoll", "io-uring", " nio"})
  void parse_refusesAnythingElse_namingTheOptionAndTheValue(String text) {
    assertThatThrownBy(() -> NetTransport.parse("--transport", text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--transport must be auto, io_uring or nio, but was '" + text + "'");
  }

  @Test
  void auto_fallsBackToNio_whileIoUringRefusesToStartWithTheReason() {
    assertThat(NetTransport.AUTO.choose("the kernel said no")).isSameAs(Transport.NIO);
    assertThatThrownBy(() -> NetTransport.IO_URING.choose("the kernel said no"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("the io_uring transport is unavailable: the kernel said no");
    assertThat(NetTransport.NIO.choose("the kernel said no")).isSameAs(Transport.NIO);
  }

  @Test
  void whereIoUringIsAvailable_autoAndIoUringTakeIt_nioNever() {
    assertThat(NetTransport.AUTO.choose(null)).isSameAs(Transport.IO_URING);
    assertThat(NetTransport.IO_URING.choose(null)).isSameAs(Transport.IO_URING);
    assertThat(NetTransport.NIO.choose(null)).isSameAs(Transport.NIO);
  }

  @Test
  void ioUringUnavailable_agreesWithVertx() {
    Transport uring = Transport.IO_URING;
    boolean available = uring != null && uring.available();
    assertThat(NetTransport.ioUringUnavailable() == null).isEqualTo(available);
  }

  @ParameterizedTest
  @EnumSource(NetTransport.class)
  void aServerOnEachTransport_answersOverLoopback(NetTransport choice) {
    boolean uring = NetTransport.ioUringUnavailable() == null;
    if (choice == NetTransport.IO_URING && !uring) {
      assertThatThrownBy(choice::vertxTransport).isInstanceOf(IllegalStateException.class)
          .hasMessageStartingWith("the io_uring transport is unavailable: ");
      return;
    }
    Vertx vertx = Vertx.builder().with(new VertxOptions().setEventLoopPoolSize(1))
        .withTransport(choice.vertxTransport()).build();
    try (TestServer server = TestServer.start(vertx, new Hello())) {
      boolean nativeExpected = choice != NetTransport.NIO && uring;
      assertThat(vertx.isNativeTransportEnabled()).isEqualTo(nativeExpected);

      HttpResponse<String> response = server.get("/hello");

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).isEqualTo("hello on " + (nativeExpected ? "native" : "nio"));
    } finally {
      Http.await(vertx.close());
    }
  }

  /** What the forked JVM of {@link #inetAddress_isInitializedBeforeVertxTransport} runs. */
  public static final class ChooseTransport {
    public static void main(String[] args) {
      System.out.println("chose " + NetTransport.AUTO.vertxTransport().name());
    }
  }

  /**
   * The order that keeps a start from deadlocking (the class comment of {@link NetTransport}): in a
   * fresh JVM, whose class initializations the JVM logs in order, {@code InetAddress} is
   * initialized before Vert.x's {@code Transport} class, whose probe loads Netty's native library.
   */
  @Test
  void inetAddress_isInitializedBeforeVertxTransport(@TempDir Path tmp) throws Exception {
    Path log = tmp.resolve("class-init.log");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child = new ProcessBuilder(java, "-Xlog:class+init=info:file=" + log,
        "-cp", System.getProperty("java.class.path"), ChooseTransport.class.getName())
        .redirectErrorStream(true)
        .redirectOutput(tmp.resolve("out.txt").toFile())
        .start();
    try {
      assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("the forked JVM finished").isTrue();
    } finally {
      child.destroyForcibly();
    }
    assertThat(child.exitValue()).as(Files.readString(tmp.resolve("out.txt"))).isZero();
    assertThat(Files.readString(tmp.resolve("out.txt"))).contains("chose ");

    List<String> lines = Files.readAllLines(log);
    int inetAddress = firstInitializing(lines, "java/net/InetAddress");
    int transport = firstInitializing(lines, "io/vertx/core/transport/Transport");
    assertThat(transport).as("Vert.x's Transport initialized").isNotNegative();
    assertThat(inetAddress).as("InetAddress initialized").isNotNegative().isLessThan(transport);
  }

  private static int firstInitializing(List<String> lines, String internalName) {
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains("Initializing '" + internalName + "'")) {
        return i;
      }
    }
    return -1;
  }
}
