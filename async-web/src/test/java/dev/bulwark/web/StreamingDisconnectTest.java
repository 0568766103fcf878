package dev.bulwark.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bulwark.core.internal.ChunkedReadStream;
import dev.bulwark.web.StreamSources.IteratorPublisher;
import dev.bulwark.web.StreamSources.IteratorReadStream;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.streams.ReadStream;
import io.vertx.junit5.VertxExtension;
import java.io.InputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.SubmissionPublisher;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A client that goes away mid-stream cancels the source: the Java stream is closed, the iterator
 * closed, the publisher's subscription cancelled, a {@link ChunkedReadStream}'s producer returns,
 * a plain {@code ReadStream} loses its handler; and the server goes on serving.
 */
@ExtendWith(VertxExtension.class)
class StreamingDisconnectTest {

  /** One latch per source kind, counted down when the server let go of that source. */
  static final Map<String, CountDownLatch> released = new ConcurrentHashMap<>();
  /** Items the endless sources produced so far. */
  static final AtomicLong produced = new AtomicLong();
  static volatile CompletableFuture<SubmissionPublisher<String>> idleSource = new CompletableFuture<>();

  private static TestServer server;

  @BeforeAll
  static void start(Vertx vertx) {
    server = TestServer.start(vertx, new Sources(vertx));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static CountDownLatch latch(String kind) {
    return released.computeIfAbsent(kind, k -> new CountDownLatch(1));
  }

  /** An endless blocking source of 100-byte lines that is {@link AutoCloseable}. */
  static final class EndlessIterator implements Iterator<String>, AutoCloseable {
    private final CountDownLatch closed;
    private long n;

    EndlessIterator(CountDownLatch closed) {
      this.closed = closed;
    }

    @Override
    public boolean hasNext() {
      return true;
    }

    @Override
    public String next() {
      produced.incrementAndGet();
      return String.format("%-99d", n++);
    }

    @Override
    public void close() {
      closed.countDown();
    }
  }

  /** An endless producer on a Vert.x worker, the shape of a database cursor. */
  static final class EndlessChunks extends ChunkedReadStream<String> {
    private final CountDownLatch stopped;

    EndlessChunks(Context context, CountDownLatch stopped) {
      super(context, task -> context.executeBlocking(task, false));
      this.stopped = stopped;
    }

    @Override
    protected void produce() throws Exception {
      try {
        long n = 0;
        while (awaitRoom()) {
          List<String> chunk = new ArrayList<>(256);
          for (int i = 0; i < 256; i++) {
            chunk.add(String.format("%-99d", n++));
            produced.incrementAndGet();
          }
          offer(chunk);
        }
      } finally {
        stopped.countDown();
      }
    }
  }

  public static class Sources {
    private final Vertx vertx;

    Sources(Vertx vertx) {
      this.vertx = vertx;
    }

    @Get("/endless/stream")
    @Streaming(format = StreamFormat.TEXT)
    public Stream<String> stream() {
      EndlessIterator it = new EndlessIterator(new CountDownLatch(1));
      return Stream.generate(it::next).onClose(latch("stream")::countDown);
    }

    @Get("/endless/iterator")
    @Streaming(format = StreamFormat.TEXT)
    public Iterator<String> iterator() {
      return new EndlessIterator(latch("iterator"));
    }

    @Get("/endless/publisher")
    @Streaming(format = StreamFormat.TEXT)
    public Flow.Publisher<String> publisher() {
      return new IteratorPublisher<>(new EndlessIterator(new CountDownLatch(1)), latch("publisher"));
    }

    @Get("/endless/chunked")
    @Streaming(format = StreamFormat.TEXT)
    public ReadStream<String> chunked() {
      return new EndlessChunks(vertx.getOrCreateContext(), latch("chunked"));
    }

    @Get("/endless/readstream")
    @Streaming(format = StreamFormat.TEXT)
    public ReadStream<String> readStream() {
      return new IteratorReadStream<>(vertx.getOrCreateContext(),
          new EndlessIterator(new CountDownLatch(1)), latch("readstream"));
    }

    @Get("/idle/sse")
    @Streaming(format = StreamFormat.SSE, heartbeat = "0s")
    public Flow.Publisher<String> idleSse() {
      SubmissionPublisher<String> p = new SubmissionPublisher<>();
      idleSource.complete(p);
      return p;
    }

    @Get("/ping")
    public String ping() {
      return "pong";
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"stream", "iterator", "publisher", "chunked", "readstream"})
  void clientClosingMidStream_releasesTheSource(String kind) throws Exception {
    released.remove(kind);
    CountDownLatch latch = latch(kind);
    try (Socket socket = Http.connect(server.port())) {
      Http.write(socket, Http.get("/endless/" + kind));
      ChunkedReader reader = new ChunkedReader(socket).readHead();
      assertThat(reader.status()).isEqualTo(200);
      long read = 0;
      while (read < 256 * 1024) {
        read += reader.nextChunk().length;
      }
      assertThat(latch.getCount()).as("released before the client left").isEqualTo(1);
    }

    Awaitility.await().atMost(Duration.ofSeconds(3)).until(() -> latch.getCount() == 0);
    assertThat(server.get("/ping").body()).isEqualTo("pong");
  }

  // Its own waits (20 s, then 3 s) outlast the 20 s default of junit-platform.properties.
  @ParameterizedTest(name = "{0}")
  @Timeout(60)
  @ValueSource(strings = {"stream", "iterator", "publisher", "chunked", "readstream"})
  void clientClosingWhileTheSourceIsPaused_releasesTheSource(String kind) throws Exception {
    released.remove(kind);
    produced.set(0);
    CountDownLatch latch = latch(kind);
    try (Socket socket = Http.connect(server.port())) {
      Http.write(socket, Http.get("/endless/" + kind));
      InputStream in = socket.getInputStream();
      assertThat(in.read()).isEqualTo('H');
      // Reads nothing more: the buffers fill and the server pauses the source.
      AtomicLong previous = new AtomicLong(-1);
      Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(300))
          .during(Duration.ofMillis(900))
          .until(() -> produced.get() == previous.getAndSet(produced.get()));
      assertThat(latch.getCount()).as("released before the client left").isEqualTo(1);
    }

    Awaitility.await().atMost(Duration.ofSeconds(3)).until(() -> latch.getCount() == 0);
    assertThat(server.get("/ping").body()).isEqualTo("pong");
  }

  @Test
  void clientClosingAnIdleSseStream_cancelsTheSubscription() throws Exception {
    idleSource = new CompletableFuture<>();
    SubmissionPublisher<String> publisher;
    try (Socket socket = Http.connect(server.port())) {
      Http.write(socket, Http.get("/idle/sse"));
      ChunkedReader reader = new ChunkedReader(socket).readHead();
      assertThat(new String(reader.nextChunk(), java.nio.charset.StandardCharsets.UTF_8))
          .isEqualTo(": stream open\n\n");
      publisher = idleSource.get(5, TimeUnit.SECONDS);
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> publisher.getNumberOfSubscribers() == 1);
    }

    Awaitility.await().atMost(Duration.ofSeconds(3)).until(() -> publisher.getNumberOfSubscribers() == 0);
    publisher.close();
  }
}
