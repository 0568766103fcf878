package dev.bulwark.web.impl;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bulwark.core.WorkerPool;
import dev.bulwark.core.internal.ChunkedReadStream;
import dev.bulwark.web.StreamFormat;
import dev.bulwark.web.Streamed;
import dev.bulwark.web.Streaming;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.streams.ReadStream;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Locale;
import java.util.concurrent.Flow;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one streamed response: pulls items from the source, encodes them into a pending buffer
 * (or, for {@link Streamed#ofEncoded} bytes, takes each buffer as it is), and writes it chunked,
 * with backpressure end to end.
 *
 * <p>Implementation note. Everything here runs on the response's event loop. Items are encoded
 * into {@code pending}, which is written when it passes {@link #FLUSH_BYTES} or at the end of
 * the event-loop turn (one write per chunk of source items, not one per item). After a write, a
 * full write queue pauses the source and the response's drain handler resumes it, so memory per
 * response is the pending buffer plus the socket's write queue plus the source's own bound (two
 * chunks for the blocking sources). The head is written with the first bytes, so a source that
 * fails before its first item still gets a normal JSON error; after that a failure resets the
 * connection (no final chunk), so the client can tell the body is truncated. A client that goes
 * away cancels the source at once (closing a database cursor and returning its connection).
 * SSE adds a heartbeat comment on an interval and a slow-consumer policy: DISCONNECT resets a
 * client whose write queue stayed full past the timeout; KEEP_LATEST keeps reading the source and,
 * while the client is behind, keeps only the newest event. Whatever the format, a write queue that
 * stays full for the server's {@code writeStallTimeout} without draining (a client that reads
 * nothing) resets the connection and cancels the source, so a stalled client holds its worker slot
 * and database connection for that long at most, not for the idle timeout. The head says {@code Vary: Accept}
 * when the format was negotiated and {@code Vary: Accept-Encoding} whenever gzip is offered, so a
 * shared cache never hands one variant to everyone.
 */
final class StreamResponse {

  static final int FLUSH_BYTES = 32 * 1024;
  private static final Logger LOG = LoggerFactory.getLogger(StreamResponse.class);
  private static final Buffer HEARTBEAT = Buffer.buffer(": keep-alive\n\n");
  /**
   * How long an SSE client waits before reconnecting when a drain ends its stream, in
   * milliseconds: sent as the last field, so it reconnects (to another instance) soon.
   */
  static final int DRAIN_RETRY_MILLIS = 1000;
  private static final Buffer DRAIN_RETRY = Buffer.buffer("retry: " + DRAIN_RETRY_MILLIS + "\n\n");

  private final Exchange ex;
  private final HttpServerResponse response;
  private final Vertx vertx;
  private final Context context;
  private final Streamed<?> options;
  private final StreamFormat format;
  private final ItemEncoder encoder;
  private final ReadStream<Object> source;
  private final Runnable cancelSource;
  private final long writeStallMillis;

  private Buffer pending = Buffer.buffer(FLUSH_BYTES + 1024);
  private boolean headWritten;
  private boolean headerEncoded;
  private boolean flushScheduled;
  private boolean done;
  private boolean congested;
  private Object latest;
  private long heartbeatTimer = -1;
  private long stuckTimer = -1;
  private long stallTimer = -1;
  private GzipEncoder gzip;
  /** The {@code Vary} header: {@code Accept} when AUTO chose the format, {@code Accept-Encoding} when compressible. */
  private String vary;
  /** Registered with the server's lifecycle while the stream is open; ends it when a drain's grace runs out. */
  private Runnable drainHook;

  @SuppressWarnings("unchecked")
  private StreamResponse(Exchange ex, Streamed<?> options, StreamFormat format,
      ObjectMapper mapper, WorkerPool pool, long writeStallMillis) {
    this.ex = ex;
    this.writeStallMillis = writeStallMillis;
    this.response = ex.response();
    this.context = Vertx.currentContext();
    this.vertx = context.owner();
    this.options = options;
    this.format = format;
    this.encoder = ItemEncoder.create(format, options.columns(), mapper);
    Object src = options.source();
    if (src instanceof ReadStream) {
      source = (ReadStream<Object>) src;
      cancelSource = src instanceof ChunkedReadStream ? ((ChunkedReadStream<?>) src)::cancel
          : () -> {
            source.pause();
            source.handler(null);
          };
    } else if (src instanceof Stream) {
      Stream<Object> s = (Stream<Object>) src;
      IteratorStream<Object> it = new IteratorStream<>(context, pool, s.iterator(), s::close);
      source = it;
      cancelSource = it::cancel;
    } else if (src instanceof Iterator) {
      Iterator<Object> iterator = (Iterator<Object>) src;
      IteratorStream<Object> it = new IteratorStream<>(context, pool, iterator, () -> closeQuietly(iterator));
      source = it;
      cancelSource = it::cancel;
    } else {
      PublisherStream<Object> p = new PublisherStream<>(context, (Flow.Publisher<Object>) src);
      source = p;
      cancelSource = p::cancel;
    }
  }

  /**
   * Starts streaming {@code result} (a {@link Streamed} or a bare source) as {@code ex}'s response;
   * on a HEAD request, writes the head GET would send and closes the source unread.
   */
  static void start(Exchange ex, Object result, RoutePlan.StreamPlan plan) {
    Streamed<?> options = result instanceof Streamed ? (Streamed<?>) result
        : Streamed.fromAnnotation(result, plan.annotation());
    boolean negotiated = options.format() == StreamFormat.AUTO;
    StreamFormat format = negotiated ? negotiate(ex.header(HttpHeaders.ACCEPT)) : options.format();
    StreamResponse r = new StreamResponse(ex, options, format, plan.mapper(), plan.pullPool(),
        plan.writeStallMillis());
    if (plan.compress() && GzipEncoder.accepted(ex.header(HttpHeaders.ACCEPT_ENCODING))) {
      r.gzip = new GzipEncoder();
    }
    // Caches must know what else chose these bytes (RFC 9110, section 12.5.5), compressed or not.
    r.vary = negotiated && plan.compress() ? "Accept, Accept-Encoding"
        : negotiated ? "Accept" : plan.compress() ? "Accept-Encoding" : null;
    if (ex.head()) {
      // Framing is left out (RFC 9110, section 9.3.2: determined while generating the content).
      r.writeHead();
      r.response.setChunked(false);
      r.gzip = null;
      r.done = true;
      r.response.end();
      r.cancelSource.run();
      discard(result);
      return;
    }
    r.run();
  }

  /**
   * Closes a result that will never be written, if it is a blocking source ({@code Stream}, or an
   * {@code Iterator} that is {@link AutoCloseable}, bare or in a {@link Streamed}). Other results,
   * and sources that hold nothing until they are read, are left alone.
   */
  static void discard(Object result) {
    Object src = result instanceof Streamed ? ((Streamed<?>) result).source() : result;
    if (src instanceof Stream || src instanceof Iterator) {
      closeQuietly(src);
    }
  }

  /** The formats AUTO picks from, in the order that breaks ties, with their media types. */
  private static final StreamFormat[] NEGOTIABLE = {
      StreamFormat.NDJSON, StreamFormat.CSV, StreamFormat.TEXT, StreamFormat.SSE};
  private static final String[] MEDIA_TYPES = {
      "application/x-ndjson", "text/csv", "text/plain", "text/event-stream"};

  /**
   * The {@code AUTO} format for an {@code Accept} header (RFC 9110, section 12.5.1): each format
   * takes the quality of the most specific range that matches its media type; the highest
   * quality above zero wins, then the more specific range, then NDJSON, CSV, TEXT, SSE in that
   * order. NDJSON when the header is absent or accepts none of them.
   */
  static StreamFormat negotiate(String accept) {
    if (accept == null || accept.isBlank()) {
      return StreamFormat.NDJSON;
    }
    double[] quality = new double[NEGOTIABLE.length];
    int[] specificity = new int[NEGOTIABLE.length];
    Arrays.fill(specificity, -1);
    for (String range : accept.toLowerCase(Locale.ROOT).split(",")) {
      String[] fields = range.split(";");
      String type = fields[0].trim();
      double q = 1;
      for (int i = 1; i < fields.length; i++) {
        String f = fields[i].trim();
        if (f.startsWith("q=")) {
          try {
            q = Double.parseDouble(f.substring(2).trim());
          } catch (NumberFormatException e) {
            q = 0; // a malformed weight accepts nothing rather than everything
          }
        }
      }
      for (int i = 0; i < NEGOTIABLE.length; i++) {
        int s = matches(type, MEDIA_TYPES[i]);
        if (s > specificity[i]) {
          specificity[i] = s;
          quality[i] = q;
        }
      }
    }
    int best = -1;
    for (int i = 0; i < NEGOTIABLE.length; i++) {
      if (specificity[i] >= 0 && quality[i] > 0 && (best < 0 || quality[i] > quality[best]
          || quality[i] == quality[best] && specificity[i] > specificity[best])) {
        best = i;
      }
    }
    return best < 0 ? StreamFormat.NDJSON : NEGOTIABLE[best];
  }

  /** 2 for the exact type, 1 for {@code type/*}, 0 for {@code *}{@code /*}, -1 for no match. */
  private static int matches(String range, String mediaType) {
    if (range.equals(mediaType)) {
      return 2;
    }
    if (range.equals("*/*") || range.equals("*")) {
      return 0;
    }
    int slash = mediaType.indexOf('/');
    return range.endsWith("/*") && range.regionMatches(0, mediaType, 0, slash + 1)
        && range.length() == slash + 2 ? 1 : -1;
  }

  private void run() {
    // The exchange owns the response's end and close handlers (its accounting hangs on them).
    ex.onClientGone(this::clientGone);
    source.exceptionHandler(this::sourceFailed);
    source.endHandler(v -> sourceEnded());
    if (format == StreamFormat.SSE) {
      writeHead();
      send(Buffer.buffer(": stream open\n\n"));
      long every = options.heartbeat().toMillis();
      if (every > 0) {
        heartbeatTimer = vertx.setPeriodic(every, t -> {
          if (!done && !response.writeQueueFull()) {
            send(HEARTBEAT.copy());
          }
        });
      }
    }
    Lifecycle lifecycle = ex.lifecycle();
    if (lifecycle != null) {
      drainHook = () -> context.runOnContext(v -> endForDrain());
      lifecycle.streamOpened(drainHook);
    }
    source.handler(this::item);
  }

  /**
   * The drain's grace ran out with this stream still open: stop the source and send what is
   * encoded (whole items only). An SSE stream then ends normally after a {@code retry:} field, so
   * its client reconnects, to another instance. Any other format cannot say "incomplete" in its
   * body, so its connection is closed once those bytes are written, without the final chunk: the
   * client sees a truncated body that ends at an item boundary, never inside a row.
   */
  private void endForDrain() {
    if (done) {
      return;
    }
    cancelSource.run();
    if (format == StreamFormat.SSE) {
      pending.appendBuffer(DRAIN_RETRY.copy());
      sourceEnded();
      return;
    }
    if (!headWritten) {
      writeHead();
    }
    Buffer out = pending;
    pending = Buffer.buffer(0);
    GzipEncoder g = gzip;
    gzip = null;
    // The encoder's output is sync-flushed, so what was sent decodes without the gzip trailer.
    Buffer bytes = g == null ? out : g.compress(out);
    finish();
    if (g != null) {
      g.abandon();
    }
    response.write(bytes).onComplete(ar -> {
      if (ex.request().version() == io.vertx.core.http.HttpVersion.HTTP_2) {
        response.reset();
      } else {
        ex.request().connection().close();
      }
    });
  }

  private void item(Object item) {
    if (done) {
      return;
    }
    if (congested && format == StreamFormat.SSE
        && options.slowConsumer() == Streaming.SlowConsumer.KEEP_LATEST) {
      latest = item;
      return;
    }
    if (options.encoded()) {
      // Bytes the source encoded: no copy when nothing is pending (the usual case).
      Buffer bytes = (Buffer) item;
      if (pending.length() == 0) {
        pending = bytes;
      } else {
        pending.appendBuffer(bytes);
      }
    } else {
      try {
        if (!headerEncoded) {
          headerEncoded = true;
          encoder.header(item, pending);
        }
        encoder.encode(item, pending);
      } catch (Exception e) {
        sourceFailed(e);
        return;
      }
    }
    if (pending.length() >= FLUSH_BYTES) {
      flush();
    } else if (!flushScheduled) {
      flushScheduled = true;
      context.runOnContext(v -> {
        flushScheduled = false;
        flush();
      });
    }
  }

  private void flush() {
    if (done || pending.length() == 0) {
      return;
    }
    if (!headWritten) {
      writeHead();
    }
    Buffer out = pending;
    pending = Buffer.buffer(options.encoded() ? 0 : FLUSH_BYTES + 1024);
    send(out);
    if (response.writeQueueFull() && !congested) {
      congested = true;
      boolean keepLatest = format == StreamFormat.SSE
          && options.slowConsumer() == Streaming.SlowConsumer.KEEP_LATEST;
      if (!keepLatest) {
        source.pause();
      }
      if (format == StreamFormat.SSE && !keepLatest) {
        stuckTimer = vertx.setTimer(options.slowConsumerTimeout().toMillis(), t -> {
          LOG.info("SSE client of {} stuck for {}; disconnecting it", ex.request().path(),
              options.slowConsumerTimeout());
          stuckTimer = -1;
          clientGone();
          response.reset();
        });
      }
      if (writeStallMillis > 0) {
        stallTimer = vertx.setTimer(writeStallMillis, t -> stalled());
      }
      response.drainHandler(v -> drained(keepLatest));
    }
  }

  /** The write queue stayed full for the whole write-stall timeout: the client reads nothing. */
  private void stalled() {
    stallTimer = -1;
    if (done) {
      return;
    }
    LOG.info("client of {} read nothing for {} ms; cutting its stream", ex.request().path(),
        writeStallMillis);
    clientGone();
    response.reset();
  }

  private void drained(boolean keepLatest) {
    congested = false;
    if (stallTimer >= 0) {
      vertx.cancelTimer(stallTimer);
      stallTimer = -1;
    }
    if (stuckTimer >= 0) {
      vertx.cancelTimer(stuckTimer);
      stuckTimer = -1;
    }
    if (done) {
      return;
    }
    if (keepLatest) {
      Object last = latest;
      latest = null;
      if (last != null) {
        item(last);
      }
    } else {
      source.resume();
    }
  }

  private void send(Buffer bytes) {
    response.write(gzip == null ? bytes : gzip.compress(bytes));
  }

  private void writeHead() {
    headWritten = true;
    response.setStatusCode(200).setChunked(true)
        .putHeader(HttpHeaders.CONTENT_TYPE, encoder.contentType());
    if (gzip != null) {
      response.putHeader(HttpHeaders.CONTENT_ENCODING, "gzip");
    }
    if (vary != null) {
      response.putHeader(HttpHeaders.VARY, vary);
    }
    if (format == StreamFormat.SSE) {
      response.putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
          .putHeader("X-Accel-Buffering", "no");
    }
  }

  private void sourceEnded() {
    if (done) {
      return;
    }
    flush();
    if (!headWritten) {
      writeHead();
    }
    GzipEncoder g = gzip;
    gzip = null;
    finish();
    if (g != null) {
      response.end(g.finish());
    } else {
      response.end();
    }
  }

  private void sourceFailed(Throwable t) {
    if (done) {
      return;
    }
    finish();
    cancelSource.run();
    if (!headWritten) {
      ex.fail(t);
    } else {
      LOG.error("stream {} failed after its first bytes; cutting the response", ex.request().path(), t);
      response.reset();
    }
  }

  private void clientGone() {
    if (done) {
      return;
    }
    finish();
    cancelSource.run();
  }

  private void finish() {
    done = true;
    if (drainHook != null) {
      ex.lifecycle().streamDone(drainHook);
      drainHook = null;
    }
    if (gzip != null) {
      gzip.abandon();
      gzip = null;
    }
    if (heartbeatTimer >= 0) {
      vertx.cancelTimer(heartbeatTimer);
    }
    if (stuckTimer >= 0) {
      vertx.cancelTimer(stuckTimer);
    }
    if (stallTimer >= 0) {
      vertx.cancelTimer(stallTimer);
      stallTimer = -1;
    }
  }

  private static void closeQuietly(Object o) {
    if (o instanceof AutoCloseable) {
      try {
        ((AutoCloseable) o).close();
      } catch (Exception e) {
        LOG.debug("closing a stream source failed", e);
      }
    }
  }
}
