package dev.bulwark.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bulwark.web.StreamSources.IteratorReadStream;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.streams.ReadStream;
import io.vertx.junit5.VertxExtension;
import java.io.BufferedReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.SubmissionPublisher;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A source that fails before its first item gets a normal JSON error (500, or the
 * {@link HttpException}'s status); one that fails after bytes were sent cuts the response, so the
 * client sees a truncated body: no terminating zero-length chunk.
 */
@ExtendWith(VertxExtension.class)
class StreamingFailureTest {

  static final int FIRST_CHUNK = 256;

  static volatile CountDownLatch failNow = new CountDownLatch(1);
  static volatile CompletableFuture<SubmissionPublisher<String>> lateFailing = new CompletableFuture<>();

  private static TestServer server;

  @BeforeAll
  static void start(Vertx vertx) {
    server = TestServer.start(vertx, new Sources(vertx));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** Fails in {@code hasNext} at once. */
  static Iterator<String> failingAtOnce(RuntimeException failure) {
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        throw failure;
      }

      @Override
      public String next() {
        throw failure;
      }
    };
  }

  /**
   * {@code good} lines, then waits for {@link #failNow} and fails: the first chunk is handed over
   * and sent while it waits, so the failure comes after the client has bytes. That chunk holds 256
   * lines, or fewer when reading them took over 5 ms (a busy machine); the lines read after it
   * wait with the failure and are never sent.
   */
  static final class FailingLater implements Iterator<String> {
    private final int good;
    private int n;

    FailingLater(int good) {
      this.good = good;
    }

    @Override
    public boolean hasNext() {
      if (n < good) {
        return true;
      }
      try {
        failNow.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      throw new IllegalStateException("source broke after " + good + " items");
    }

    @Override
    public String next() {
      return "line " + ++n;
    }
  }

  /** A Vert.x stream that reports a failure as soon as it is read. */
  static final class FailingReadStream implements ReadStream<String> {
    private final Vertx vertx;
    private Handler<Throwable> exceptionHandler;

    FailingReadStream(Vertx vertx) {
      this.vertx = vertx;
    }

    @Override
    public ReadStream<String> exceptionHandler(Handler<Throwable> handler) {
      this.exceptionHandler = handler;
      return this;
    }

    @Override
    public ReadStream<String> handler(Handler<String> handler) {
      if (handler != null) {
        vertx.runOnContext(v -> exceptionHandler.handle(new HttpException(503, "feed unavailable")));
      }
      return this;
    }

    @Override
    public ReadStream<String> pause() {
      return this;
    }

    @Override
    public ReadStream<String> resume() {
      return this;
    }

    @Override
    public ReadStream<String> fetch(long amount) {
      return this;
    }

    @Override
    public ReadStream<String> endHandler(Handler<Void> endHandler) {
      return this;
    }
  }

  /** An item the encoder fails on: its getter throws. */
  public static final class Exploding {
    public String getValue() {
      throw new IllegalStateException("cannot be written");
    }
  }

  public static class Sources {
    private final Vertx vertx;

    Sources(Vertx vertx) {
      this.vertx = vertx;
    }

    @Get("/first/iterator")
    public Iterator<String> firstIterator() {
      return failingAtOnce(new IllegalStateException("cursor broke"));
    }

    @Get("/first/iterator-http")
    public Iterator<String> firstIteratorHttp() {
      return failingAtOnce(new HttpException(409, "export already running"));
    }

    @Get("/first/stream")
    @Streaming(format = StreamFormat.CSV)
    public Stream<String> firstStream() {
      return Stream.generate(() -> {
        throw new HttpException(404, "no such export");
      });
    }

    @Get("/first/publisher")
    public Flow.Publisher<String> firstPublisher() {
      SubmissionPublisher<String> p = new SubmissionPublisher<>();
      p.closeExceptionally(new HttpException(422, "bad export request"));
      return p;
    }

    @Get("/first/readstream")
    public ReadStream<String> firstReadStream() {
      return new FailingReadStream(vertx);
    }

    @Get("/first/future")
    public Future<Stream<String>> firstFuture() {
      return Future.failedFuture(new HttpException(400, "rows must be positive"));
    }

    @Get("/first/null")
    public Stream<String> firstNull() {
      return null;
    }

    @Get("/first/encoder")
    @Streaming(format = StreamFormat.NDJSON)
    public ReadStream<Object> firstEncoder() {
      return new IteratorReadStream<>(vertx.getOrCreateContext(),
          List.<Object>of(new Exploding(), "never sent").iterator());
    }

    @Get("/later/iterator")
    @Streaming(format = StreamFormat.TEXT)
    public Iterator<String> laterIterator() {
      return new FailingLater(FIRST_CHUNK + 44);
    }

    @Get("/later/publisher")
    @Streaming(format = StreamFormat.TEXT)
    public Flow.Publisher<String> laterPublisher() {
      SubmissionPublisher<String> p = new SubmissionPublisher<>();
      lateFailing.complete(p);
      return p;
    }
  }

  static Stream<Arguments> failuresBeforeTheFirstItem() {
    return Stream.of(
        Arguments.of("/first/iterator", 500, null),
        Arguments.of("/first/iterator-http", 409, "export already running"),
        Arguments.of("/first/stream", 404, "no such export"),
        Arguments.of("/first/publisher", 422, "bad export request"),
        Arguments.of("/first/readstream", 503, "feed unavailable"),
        Arguments.of("/first/future", 400, "rows must be positive"),
        Arguments.of("/first/null", 500, null),
        Arguments.of("/first/encoder", 500, null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("failuresBeforeTheFirstItem")
  void failureBeforeTheFirstItem_isAJsonError(String path, int status, String message) {
    HttpResponse<String> r = server.get(path);

    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(r.headers().firstValue("transfer-encoding")).isEmpty();
    if (message == null) {
      assertThat(Http.error(r)).startsWith("internal server error (request id ");
      assertThat(r.headers().firstValue("x-request-id")).isPresent();
    } else {
      assertThat(Http.error(r)).isEqualTo(message);
    }
    // The connection is still good for another request.
    assertThat(server.get("/first/future").statusCode()).isEqualTo(400);
  }

  @Test
  void failureAfterTheFirstBytes_cutsTheResponseWithoutTheLastChunk() throws Exception {
    failNow = new CountDownLatch(1);
    try (Socket socket = Http.connect(server.port())) {
      Http.write(socket, Http.get("/later/iterator"));
      ChunkedReader reader = new ChunkedReader(socket).readHead();
      assertThat(reader.status()).isEqualTo(200);
      StringBuilder body = new StringBuilder();
      // The first chunk's lines, however many it got: the rest are held back until the failure.
      while (body.indexOf("\n") < 0) {
        body.append(new String(reader.nextChunk(), StandardCharsets.UTF_8));
      }

      failNow.countDown();

      assertThatThrownBy(() -> {
        for (byte[] c = reader.nextChunk(); c != null; c = reader.nextChunk()) {
          body.append(new String(c, StandardCharsets.UTF_8));
        }
      }).isInstanceOfAny(EOFException.class, java.net.SocketException.class);
      assertThat(reader.ended()).isFalse();
      // Whole lines from the first, in order: whatever chunks went out before the failure.
      String sent = body.toString();
      StringBuilder all = new StringBuilder();
      for (int i = 1; i <= FIRST_CHUNK + 44; i++) {
        all.append("line ").append(i).append('\n');
      }
      assertThat(sent).startsWith("line 1\n").endsWith("\n");
      assertThat(all.toString()).startsWith(sent);
    }
  }

  @Test
  void failureAfterTheFirstBytes_isAnIOExceptionForJavaNetHttp() throws Exception {
    lateFailing = new CompletableFuture<>();
    HttpRequest request = server.request("/later/publisher").GET().build();
    // The head goes out with the first item, so the response arrives once items are published.
    CompletableFuture<HttpResponse<InputStream>> pending =
        Http.newClient().sendAsync(request, HttpResponse.BodyHandlers.ofInputStream());
    SubmissionPublisher<String> publisher = lateFailing.get(5, TimeUnit.SECONDS);
    Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> publisher.getNumberOfSubscribers() == 1);
    publisher.submit("one");
    publisher.submit("two");
    HttpResponse<InputStream> r = Http.await(pending);
    try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(in.readLine()).isEqualTo("one");
      assertThat(in.readLine()).isEqualTo("two");

      publisher.closeExceptionally(new IllegalStateException("feed broke"));

      assertThatThrownBy(in::readLine).isInstanceOf(IOException.class);
    }
  }
}
