package dev.bulwark.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 12: an HTTP/1.1 request with {@code Upgrade: h2c} (the JDK client's default over
 * {@code http://}) is answered over HTTP/1.1, and HTTP/2 by prior knowledge is still served.
 * Before, an upgraded connection could lose its answer: 0 to 5 of 150 JDK-client upgrades for a
 * 300 KB answer ended in a protocol error (a frame header read from the middle of the body), with
 * or without Bulwark's own channel handlers in the pipeline (docs/ARCHITECTURE.md, "h2c upgrade").
 */
@ExtendWith(VertxExtension.class)
class H2cUpgradeTest {

  private static final int BIG = 300_000;
  private static final String SETTINGS_HEADER = "AAEAAEAAAAIAAAAAAAQAAP__AAUAAEAAAAYAAQAA";

  private TestServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  public static class Routes {
    @Get("/hello")
    public String hello() {
      return "hello";
    }

    @Get("/big")
    public String big() {
      return "x".repeat(BIG);
    }
  }

  /**
   * Fresh JDK clients with their default HTTP/2 preference, one connection each: every request
   * gets its whole answer. The 10 s request timeout only detects a hang.
   */
  @Test
  @Timeout(90)
  void jdkClientsPreferringHttp2_getEveryAnswerWhole(Vertx vertx) throws Exception {
    server = TestServer.start(vertx, new Routes());
    List<String> failed = new ArrayList<>();
    for (int i = 0; i < 150; i++) {
      if (i % 50 == 49) {
        System.gc(); // lets the unused clients' selector threads and descriptors go
      }
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
      String path = i % 10 == 0 ? "/hello" : "/big";
      try {
        HttpResponse<String> response = client.sendAsync(
            HttpRequest.newBuilder(Http.uri(server.port(), path))
                .timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString()).get(15, TimeUnit.SECONDS);
        int expected = path.equals("/hello") ? 5 : BIG;
        if (response.statusCode() != 200 || response.body().length() != expected) {
          failed.add(i + " " + path + ": " + response.statusCode() + ", "
              + response.body().length() + " chars");
        }
      } catch (Exception e) {
        failed.add(i + " " + path + ": " + e);
      }
    }
    assertThat(failed).isEmpty();
  }

  /** The upgrade request on a raw socket: a plain HTTP/1.1 answer, no 101, connection kept. */
  @Test
  void upgradeRequest_isAnsweredOverHttp11(Vertx vertx) throws IOException {
    server = TestServer.start(vertx, new Routes());
    try (Socket s = Http.connect(server.port())) {
      for (String path : new String[] {"/big", "/hello"}) {
        Http.write(s, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
            + "HTTP2-Settings: " + SETTINGS_HEADER + "\r\n\r\n");
        Http.RawResponse response = Http.readResponse(s);
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.headers()).doesNotContainKey("upgrade");
        assertThat(response.body()).hasSize(path.equals("/big") ? BIG : 5);
      }
    }
  }

  /** HTTP/2 by prior knowledge (the preface first): the answer's HEADERS and DATA, to END_STREAM. */
  @Test
  void priorKnowledgeH2c_isStillServed(Vertx vertx) throws IOException {
    server = TestServer.start(vertx, new Routes());
    try (Socket s = Http.connect(server.port())) {
      OutputStream out = s.getOutputStream();
      out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      out.write(frame(4, 0, 0, new byte[0]));
      // HPACK: :method GET (static 2), :scheme http (static 6), :path and :authority literal.
      ByteArrayOutputStream block = new ByteArrayOutputStream();
      block.write(0x82);
      block.write(0x86);
      literal(block, 0x04, "/hello");
      literal(block, 0x01, "127.0.0.1");
      out.write(frame(1, 0x5, 1, block.toByteArray())); // END_STREAM | END_HEADERS
      out.flush();

      DataInputStream in = new DataInputStream(s.getInputStream());
      StringBuilder body = new StringBuilder();
      boolean headers = false;
      while (true) {
        int length = (in.readUnsignedByte() << 16) | in.readUnsignedShort();
        int type = in.readUnsignedByte();
        int flags = in.readUnsignedByte();
        int stream = in.readInt() & 0x7fffffff;
        byte[] payload = in.readNBytes(length);
        assertThat(type).as("no RST_STREAM or GOAWAY").isNotIn(3, 7);
        if (stream != 1) {
          continue;
        }
        headers |= type == 1;
        if (type == 0) {
          body.append(new String(payload, StandardCharsets.UTF_8));
        }
        if ((type == 0 || type == 1) && (flags & 1) != 0) {
          break;
        }
      }
      assertThat(headers).isTrue();
      assertThat(body.toString()).isEqualTo("hello");
    }
  }

  private static byte[] frame(int type, int flags, int stream, byte[] payload) {
    ByteArrayOutputStream f = new ByteArrayOutputStream();
    f.write(payload.length >>> 16);
    f.write(payload.length >>> 8);
    f.write(payload.length);
    f.write(type);
    f.write(flags);
    f.write(stream >>> 24);
    f.write(stream >>> 16);
    f.write(stream >>> 8);
    f.write(stream);
    f.writeBytes(payload);
    return f.toByteArray();
  }

  /** A literal header field without indexing, its name from the static table (index < 15). */
  private static void literal(ByteArrayOutputStream block, int nameIndex, String value) {
    byte[] v = value.getBytes(StandardCharsets.ISO_8859_1);
    block.write(nameIndex);
    block.write(v.length);
    block.writeBytes(v);
  }
}
