package dev.bulwark.web;

import dev.bulwark.core.Durations;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Flow;
import java.util.stream.Stream;

/**
 * A streamed handler result: a source of items and how to write it, chosen per response (the
 * {@code /export?format=csv} case). The source is a Vert.x {@link ReadStream}, a
 * {@link Stream}, an {@link Iterator} or a {@link Flow.Publisher}; blocking sources are pulled
 * on a worker pool, never on the event loop. Immutable; the {@code with*} methods return copies.
 *
 * @param <T> the item type
 */
public final class Streamed<T> {

  private final Object source;
  private final StreamFormat format;
  private final List<String> columns;
  private final Duration heartbeat;
  private final Streaming.SlowConsumer slowConsumer;
  private final Duration slowConsumerTimeout;
  private final boolean encoded;

  private Streamed(Object source, StreamFormat format, List<String> columns, Duration heartbeat,
      Streaming.SlowConsumer slowConsumer, Duration slowConsumerTimeout, boolean encoded) {
    this.source = source;
    this.encoded = encoded;
    this.format = format;
    this.columns = columns;
    this.heartbeat = heartbeat;
    this.slowConsumer = slowConsumer;
    this.slowConsumerTimeout = slowConsumerTimeout;
  }

  /** A Vert.x stream. */
  public static <T> Streamed<T> of(ReadStream<T> source, StreamFormat format) {
    return create(source, format);
  }

  /** A Java stream, pulled on a worker and closed at the end or when the client goes. */
  public static <T> Streamed<T> of(Stream<T> source, StreamFormat format) {
    return create(source, format);
  }

  /** An iterator, pulled on a worker (closed at the end if it is {@link AutoCloseable}). */
  public static <T> Streamed<T> of(Iterator<T> source, StreamFormat format) {
    return create(source, format);
  }

  /** A reactive-streams publisher, requested as the client reads. */
  public static <T> Streamed<T> of(Flow.Publisher<T> source, StreamFormat format) {
    return create(source, format);
  }

  /**
   * Bytes already encoded in {@code format} (NDJSON, CSV or TEXT), written as they come: no
   * object and no encoding per item, e.g. {@code Db.copyOut}'s rows. The response has that
   * format's content type, gzip and backpressure like any other stream; each buffer must end at
   * an item boundary (a whole line, the CSV header included in the bytes), since a drain ends an
   * open stream after a whole buffer.
   *
   * @throws IllegalArgumentException when {@code format} is not NDJSON, CSV or TEXT
   */
  public static Streamed<Buffer> ofEncoded(ReadStream<Buffer> source, StreamFormat format) {
    if (format != StreamFormat.NDJSON && format != StreamFormat.CSV && format != StreamFormat.TEXT) {
      throw new IllegalArgumentException("format of encoded bytes must be NDJSON, CSV or TEXT, but was "
          + format);
    }
    Streamed<Buffer> s = create(source, format);
    return new Streamed<>(s.source, s.format, s.columns, s.heartbeat, s.slowConsumer,
        s.slowConsumerTimeout, true);
  }

  private static <T> Streamed<T> create(Object source, StreamFormat format) {
    if (source == null) {
      throw new IllegalArgumentException("source must not be null");
    }
    if (format == null) {
      throw new IllegalArgumentException("format must not be null");
    }
    return new Streamed<>(source, format, List.of(), Duration.ofSeconds(15),
        Streaming.SlowConsumer.DISCONNECT, Duration.ofSeconds(30), false);
  }

  /** Built from a method's {@link Streaming} annotation (or its defaults when absent). */
  public static <T> Streamed<T> fromAnnotation(Object source, Streaming annotation) {
    Streamed<T> s = create(source, annotation == null ? StreamFormat.AUTO : annotation.format());
    if (annotation == null) {
      return s;
    }
    return s.withColumns(annotation.columns())
        .withHeartbeat(Durations.parse("heartbeat", annotation.heartbeat()))
        .withSlowConsumer(annotation.slowConsumer(),
            Durations.parse("slowConsumerTimeout", annotation.slowConsumerTimeout()));
  }

  /** CSV columns in order; for records, a subset or reordering of the components. */
  public Streamed<T> withColumns(String... names) {
    for (String n : names) {
      if (n == null || n.isEmpty()) {
        throw new IllegalArgumentException("column names must not be empty, but was '" + n + "'");
      }
    }
    return new Streamed<>(source, format, List.of(names), heartbeat, slowConsumer, slowConsumerTimeout,
        encoded);
  }

  /** SSE heartbeat interval; zero for none. */
  public Streamed<T> withHeartbeat(Duration interval) {
    if (interval == null || interval.isNegative()) {
      throw new IllegalArgumentException("heartbeat must be >= 0, but was " + interval);
    }
    return new Streamed<>(source, format, columns, interval, slowConsumer, slowConsumerTimeout, encoded);
  }

  /** SSE slow-consumer policy and, for DISCONNECT, how long a client may stay stuck. */
  public Streamed<T> withSlowConsumer(Streaming.SlowConsumer policy, Duration timeout) {
    if (policy == null) {
      throw new IllegalArgumentException("slowConsumer must not be null");
    }
    if (timeout == null || timeout.isZero() || timeout.isNegative()) {
      throw new IllegalArgumentException("slowConsumerTimeout must be > 0, but was " + timeout);
    }
    return new Streamed<>(source, format, columns, heartbeat, policy, timeout, encoded);
  }

  public Object source() {
    return source;
  }

  public StreamFormat format() {
    return format;
  }

  public List<String> columns() {
    return columns;
  }

  public Duration heartbeat() {
    return heartbeat;
  }

  public Streaming.SlowConsumer slowConsumer() {
    return slowConsumer;
  }

  public Duration slowConsumerTimeout() {
    return slowConsumerTimeout;
  }

  /** Whether the source's items are {@link Buffer}s already encoded ({@link #ofEncoded}). */
  public boolean encoded() {
    return encoded;
  }

  /** Whether {@code type} is a source type a handler may return for streaming. */
  public static boolean isSourceType(Class<?> type) {
    return ReadStream.class.isAssignableFrom(type) || Stream.class.isAssignableFrom(type)
        || Iterator.class.isAssignableFrom(type) || Flow.Publisher.class.isAssignableFrom(type)
        || type == Streamed.class;
  }
}
