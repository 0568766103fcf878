package dev.bulwark.web;

import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.transport.Transport;
import java.net.InetAddress;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The network transport to build a {@code Vertx} with: Linux's io_uring, or the JDK's NIO.
 *
 * <pre>{@code
 * Vertx vertx = Vertx.builder().with(options).withTransport(NetTransport.AUTO.vertxTransport()).build();
 * }</pre>
 *
 * <p>Why: on a database-backed route most of an event loop's time is system calls, a write per
 * response, a read per request, a write and reads per statement, and a wait each time the loop
 * runs dry. With io_uring the loop hands the kernel a batch of them in one call. Measured on 2
 * cores (docs/BENCHMARKS.md, "Network transport"), the shop's {@code /products/{id}} on
 * PostgreSQL served 1.8x the requests per second on io_uring as on NIO, and
 * {@code /hello} 1.15x; Netty's epoll transport served what NIO did on {@code /products}.
 *
 * <p>io_uring needs a Linux kernel and a container that allow it
 * ({@code /proc/sys/kernel/io_uring_disabled} 0, no seccomp filter against it) and Netty's native
 * library on the classpath: async-web brings {@code netty-transport-native-io_uring} for
 * linux-x86_64; add the {@code linux-aarch_64} classifier for ARM. Netty unpacks the library into
 * {@code java.io.tmpdir}, which must allow executable mappings. Vert.x probes the native
 * transports once, when its {@code Transport} class loads, whichever is chosen;
 * {@code -Dio.netty.transport.noNative=true} skips the probe (and makes io_uring unavailable).
 *
 * <p>Every method here makes sure {@code java.net.InetAddress} is initialized before Vert.x's
 * {@code Transport} class: loading Netty's io_uring library initializes {@code InetAddress}
 * from inside the JDK's lock on native libraries, while another thread that initializes
 * {@code InetAddress} at that moment (any first socket, such as a JDBC driver's connection) waits
 * for that lock to load {@code libnet}; on JDK 17 the two threads then wait for each other for good
 * (Netty's issue 13871 for epoll, JDK-8266310). An application that builds its {@code Vertx}
 * without this class, while other threads open their first sockets, should call
 * {@code InetAddress.getLoopbackAddress()} first.
 */
public enum NetTransport {
  /** io_uring when it is available here, else NIO (logged once, with the reason). */
  AUTO,
  /** io_uring, or {@link #vertxTransport()} fails with the reason it is unavailable. */
  IO_URING,
  /** The JDK's NIO selector, available everywhere. */
  NIO;

  private static final Logger LOG = LoggerFactory.getLogger(NetTransport.class);
  private static volatile boolean fallbackLogged;

  static {
    // Before anything here touches Vert.x's Transport class (see the class comment): the probe
    // of the native transports must find InetAddress initialized.
    InetAddress.getLoopbackAddress();
  }

  /**
   * The transport named {@code value}: {@code auto}, {@code io_uring} or {@code nio}, in any case.
   *
   * @param option the setting's name, for the error message (e.g. {@code --transport})
   * @throws IllegalArgumentException naming the option and the value when it is none of those
   */
  public static NetTransport parse(String option, String value) {
    if (value != null) {
      switch (value.toLowerCase(Locale.ROOT)) {
        case "auto":
          return AUTO;
        case "io_uring":
          return IO_URING;
        case "nio":
          return NIO;
        default:
          break;
      }
    }
    throw new IllegalArgumentException(option + " must be auto, io_uring or nio, but was '" + value + "'");
  }

  /** The name {@link #parse} takes: {@code auto}, {@code io_uring} or {@code nio}. */
  public String optionValue() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Why io_uring cannot be used in this process (the library is missing, the kernel refuses it,
   * ...), or null when it can.
   */
  public static String ioUringUnavailable() {
    Transport uring = Transport.IO_URING;
    if (uring == null) {
      return "Netty's io_uring transport is not on the classpath";
    }
    if (uring.available()) {
      return null;
    }
    Throwable cause = uring.unavailabilityCause();
    return cause == null ? "unavailable" : String.valueOf(cause);
  }

  /**
   * The name of the transport {@code vertx} runs on: {@code io_uring}, {@code epoll},
   * {@code kqueue} or {@code nio} (Vert.x's names), else its implementation's class name.
   */
  public static String nameOf(Vertx vertx) {
    io.vertx.core.spi.transport.Transport running = ((VertxInternal) vertx).transport();
    for (Transport known : new Transport[] {Transport.IO_URING, Transport.EPOLL, Transport.KQUEUE, Transport.NIO}) {
      if (known != null && known.implementation() == running) {
        return known.name();
      }
    }
    return running.getClass().getSimpleName();
  }

  /**
   * Vert.x's transport for this choice, for {@code VertxBuilder.withTransport}.
   *
   * @throws IllegalStateException for {@link #IO_URING} when io_uring is unavailable, with the reason
   */
  public Transport vertxTransport() {
    return choose(this == NIO ? null : ioUringUnavailable());
  }

  /** This choice's transport, io_uring being unavailable for {@code unavailable} (null: available). */
  Transport choose(String unavailable) {
    if (this == NIO) {
      return Transport.NIO;
    }
    if (unavailable == null) {
      return Transport.IO_URING;
    }
    if (this == IO_URING) {
      throw new IllegalStateException("the io_uring transport is unavailable: " + unavailable);
    }
    if (!fallbackLogged) {
      fallbackLogged = true;
      LOG.info("io_uring is unavailable ({}); serving on NIO", unavailable);
    }
    return Transport.NIO;
  }
}
