package dev.bulwark.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.transport.Transport;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
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
}
