package dev.bulwark.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bulwark.web.StreamSources.IteratorPublisher;
import dev.bulwark.web.StreamSources.IteratorReadStream;
import io.vertx.core.Vertx;
import io.vertx.core.streams.ReadStream;
import io.vertx.junit5.VertxExtension;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Flow;
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
 * Where streamed sources are pulled and how fast: blocking sources on a worker pool thread, never
 * on the event loop; a client that stops reading stops the source once the socket buffers, the
 * write queue and the source's own bound (two chunks of 256 for the blocking ones) are full, and
 * the whole body still arrives, exactly, once it reads again.
 */
@ExtendWith(VertxExtension.class)
class StreamingBackpressureTest {

  static final int ITEMS = 100_000;
  /** Each line is 1 KiB with its newline. */
  static final int LINE = 1024;
  /**
   * The most items a stalled client may cause to be pulled: the loopback socket's send buffer
   * (at most {@code net.ipv4.tcp_wmem} max, 4 MiB) plus the unread receive buffer (128 KiB) plus
   * Netty's write queue (64 KiB) and the pending buffer (32 KiB) is about 4,300 lines of 1 KiB;
   * the source's own bound adds two chunks of 256. Far below the 100,000 of the source.
   */
  static final long STALLED_BOUND = 20_000;

  static final AtomicLong pulled = new AtomicLong();
  static final Set<String> pullThreads = ConcurrentHashMap.newKeySet();

  private static TestServer server;

  @BeforeAll
  static void start(Vertx vertx) {
    server = TestServer.start(vertx, o -> o.workerPool("reports", b -> b.maxConcurrency(2)),
        new Sources(vertx));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** Lines {@code 0000001 xxx...} of exactly {@link #LINE} bytes with the newline; counts pulls. */
  static final class CountingIterator implements Iterator<String> {
    private static final String PAD = "x".repeat(LINE - 9);
    private final int count;
    private int next = 1;

    CountingIterator(int count) {
      this.count = count;
    }

    @Override
    public boolean hasNext() {
      pullThreads.add(Thread.currentThread().getName());
      return next <= count;
    }

    @Override
    public String next() {
      pullThreads.add(Thread.currentThread().getName());
      if (next > count) {
        throw new NoSuchElementException();
      }
      pulled.incrementAndGet();
      return line(next++);
    }
  }

  static String line(int i) {
    return String.format("%07d ", i) + CountingIterator.PAD;
  }

  public static class Sources {
    private final Vertx vertx;

    Sources(Vertx vertx) {
      this.vertx = vertx;
    }

    @Get("/threads/iterator")
    @Streaming(format = StreamFormat.TEXT)
    public Iterator<String> threadsIterator() {
      return new CountingIterator(2_000);
    }

    @Get("/threads/stream")
    @Streaming(format = StreamFormat.TEXT)
    public Stream<String> threadsStream() {
      CountingIterator it = new CountingIterator(2_000);
      return Stream.generate(it::next).limit(2_000);
    }

    @Blocking("reports")
    @Get("/threads/named-pool")
    @Streaming(format = StreamFormat.TEXT)
    public Iterator<String> threadsNamedPool() {
      return new CountingIterator(2_000);
    }

    @Get("/big/iterator")
    @Streaming(format = StreamFormat.TEXT)
    public Iterator<String> bigIterator() {
      return new CountingIterator(ITEMS);
    }

    @Get("/big/publisher")
    @Streaming(format = StreamFormat.TEXT)
    public Flow.Publisher<String> bigPublisher() {
      return new IteratorPublisher<>(new CountingIterator(ITEMS));
    }

    @Get("/big/readstream")
    @Streaming(format = StreamFormat.TEXT)
    public ReadStream<String> bigReadStream() {
      return new IteratorReadStream<>(vertx.getOrCreateContext(), new CountingIterator(ITEMS));
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"/threads/iterator", "/threads/stream"})
  void blockingSources_arePulledOnTheDefaultWorkerPool(String path) {
    pullThreads.clear();

    assertThat(server.get(path).body()).hasSize(2_000 * LINE);

    assertThat(pullThreads).isNotEmpty().allMatch(n -> n.matches("bulwark-default-\\d+"), "a default pool thread");
  }

  @Test
  void blockingSources_ofAHandlerOnANamedPool_arePulledOnThatPool() {
    pullThreads.clear();

    assertThat(server.get("/threads/named-pool").body()).hasSize(2_000 * LINE);

    assertThat(pullThreads).isNotEmpty().allMatch(n -> n.matches("bulwark-reports-\\d+"), "a reports pool thread");
  }

  // Its own waits (10 s, 20 s, then reads with a 15 s socket timeout) outlast the 20 s default
  // of junit-platform.properties.
  @ParameterizedTest(name = "{0}")
  @Timeout(90)
  @ValueSource(strings = {"/big/iterator", "/big/publisher", "/big/readstream"})
  void stalledClient_stopsTheSource_andReadingAgainGetsEveryItem(String path) throws Exception {
    pulled.set(0);
    try (Socket socket = Http.connect(server.port())) {
      socket.setSoTimeout(15_000);
      Http.write(socket, Http.get(path));

      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> pulled.get() > 0);
      AtomicLong previous = new AtomicLong(-1);
      // Stable over consecutive samples 300 ms apart for a whole second: the source is paused.
      Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(300))
          .during(Duration.ofSeconds(1))
          .until(() -> pulled.get() == previous.getAndSet(pulled.get()));
      long stalled = pulled.get();

      assertThat(stalled).as("items pulled while the client reads nothing").isLessThan(STALLED_BOUND);

      ChunkedReader reader = new ChunkedReader(socket).readHead();
      assertThat(reader.status()).isEqualTo(200);
      byte[] carry = new byte[0];
      int lines = 0;
      for (byte[] chunk = reader.nextChunk(); chunk != null; chunk = reader.nextChunk()) {
        byte[] data = concat(carry, chunk);
        int start = 0;
        for (int i = 0; i < data.length; i++) {
          if (data[i] == '\n') {
            lines++;
            String line = new String(data, start, i - start, StandardCharsets.US_ASCII);
            if (!line.equals(line(lines))) {
              throw new AssertionError("line " + lines + " is '" + line + "'");
            }
            start = i + 1;
          }
        }
        carry = java.util.Arrays.copyOfRange(data, start, data.length);
      }

      assertThat(carry).isEmpty();
      assertThat(lines).isEqualTo(ITEMS);
      assertThat(pulled.get()).isEqualTo(ITEMS);
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    if (a.length == 0) {
      return b;
    }
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
