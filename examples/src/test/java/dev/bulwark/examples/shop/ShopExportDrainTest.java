package dev.bulwark.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A drain whose grace runs out while an export streams: the client gets whole rows only, exact and
 * in order, then the connection closes without the final chunk (so it can tell the body is
 * incomplete), on PostgreSQL (COPY) and on H2 (the cursor).
 */
class ShopExportDrainTest {

  private Shop shop;

  @AfterEach
  void stop() throws Exception {
    if (shop != null) {
      shop.drain().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"h2", "postgres"})
  void exportPastTheGrace_endsAtARowBoundary_withoutTheFinalChunk(String database) throws Exception {
    String db = "jdbc:h2:mem:shopexportdrain;DB_CLOSE_DELAY=-1";
    if (database.equals("postgres")) {
      Servers.assumePostgres();
      db = Servers.POSTGRES_URL;
    }
    shop = Shop.start(new ShopConfig("127.0.0.1", 0, 8, 16, Duration.ofSeconds(2), 2,
        Duration.ofMillis(300), db, 4, null, ShopConfig.Role.ALL))
        .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);

    try (Socket socket = new Socket()) {
      socket.setSoTimeout(20_000);
      socket.connect(new InetSocketAddress("127.0.0.1", shop.port()), 2000);
      socket.getOutputStream().write("GET /export?rows=100000000&format=csv HTTP/1.1\r\nHost: x\r\n\r\n"
          .getBytes(StandardCharsets.ISO_8859_1));
      InputStream in = socket.getInputStream();
      assertThat(head(in)).startsWith("http/1.1 200").contains("transfer-encoding: chunked");
      RowChecker rows = new RowChecker();
      while (rows.bytes < 256 * 1024) {
        rows.accept(chunk(in));
      }

      Future<Void> drained = shop.drain();
      boolean cut = false;
      try {
        for (byte[] c = chunk(in); c.length > 0; c = chunk(in)) {
          rows.accept(c);
          Thread.sleep(1); // a client reading at its own pace, so the grace runs out mid-stream
        }
      } catch (EOFException e) {
        cut = true;
      }
      shop = null;
      drained.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);

      assertThat(cut).as("closed without the final chunk").isTrue();
      assertThat(rows.carry.size()).as("bytes after the last whole row").isZero();
      assertThat(rows.lines).as("whole rows received").isGreaterThan(1000);
    }
  }

  /** The head, up to its blank line, lower-cased. */
  private static String head(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException("in the head");
      }
      head.write(b);
    }
    return head.toString(StandardCharsets.ISO_8859_1).toLowerCase(java.util.Locale.ROOT);
  }

  /** One chunk's data (empty for the final chunk); EOFException when the connection ends first. */
  private static byte[] chunk(InputStream in) throws IOException {
    StringBuilder size = new StringBuilder();
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0) {
        throw new EOFException("before a chunk");
      }
      if (b != '\r') {
        size.append((char) b);
      }
    }
    byte[] data = in.readNBytes(Integer.parseInt(size.toString().trim(), 16));
    if (in.readNBytes(2).length < 2) {
      throw new EOFException("inside a chunk");
    }
    return data;
  }

  /** Checks the CSV as it arrives: the header, then rows 1, 2, 3... exactly. */
  private static final class RowChecker {
    final ByteArrayOutputStream carry = new ByteArrayOutputStream();
    long bytes;
    long lines;

    void accept(byte[] data) {
      bytes += data.length;
      for (byte b : data) {
        if (b != '\n') {
          carry.write(b);
          continue;
        }
        String line = carry.toString(StandardCharsets.UTF_8);
        carry.reset();
        String expected = lines == 0 ? "id,name,priceCents"
            : lines + ",Product " + lines + "," + (lines * 7) % 10000;
        if (!line.equals(expected)) {
          throw new AssertionError("line " + (lines + 1) + " is '" + line + "', expected '" + expected + "'");
        }
        lines++;
      }
    }
  }
}
