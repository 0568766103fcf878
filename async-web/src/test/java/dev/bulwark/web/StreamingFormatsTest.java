package dev.bulwark.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.bulwark.web.StreamSources.IteratorPublisher;
import dev.bulwark.web.StreamSources.IteratorReadStream;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import io.vertx.junit5.VertxExtension;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.SubmissionPublisher;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a streamed response looks like on the wire: every source type (Vert.x {@code ReadStream},
 * {@code java.util.stream.Stream}, {@code Iterator}, {@code Flow.Publisher}, {@link Streamed},
 * futures of them) in every format (NDJSON, CSV, text, SSE), chosen by {@link Streaming}, by
 * {@link Streamed} or by the {@code Accept} header; exact bodies and content types, CSV columns
 * and quoting, SSE fields, heartbeats and {@code Last-Event-ID}, gzip, and bytes the source
 * encoded ({@link Streamed#ofEncoded}).
 */
@ExtendWith(VertxExtension.class)
class StreamingFormatsTest {

  private static final String NDJSON = "application/x-ndjson";
  private static final String CSV = "text/csv; charset=utf-8";
  private static final String TEXT = "text/plain; charset=utf-8";
  private static final String SSE = "text/event-stream; charset=utf-8";

  /** Items whose encodings exercise quoting, escaping, nulls and line breaks. */
  public record Row(long id, String name, Double price) {
  }

  static final List<Row> ROWS = List.of(
      new Row(1, "plain", 1.5),
      new Row(2, "comma, \"quoted\"", null),
      new Row(3, "two\nlines", 3.0));

  static final String ROWS_NDJSON = "{\"id\":1,\"name\":\"plain\",\"price\":1.5}\n"
      + "{\"id\":2,\"name\":\"comma, \\\"quoted\\\"\",\"price\":null}\n"
      + "{\"id\":3,\"name\":\"two\\nlines\",\"price\":3.0}\n";
  static final String ROWS_CSV = "id,name,price\n"
      + "1,plain,1.5\n"
      + "2,\"comma, \"\"quoted\"\"\",\n"
      + "3,\"two\nlines\",3.0\n";
  static final String ROWS_TEXT = "Row[id=1, name=plain, price=1.5]\n"
      + "Row[id=2, name=comma, \"quoted\", price=null]\n"
      + "Row[id=3, name=two\nlines, price=3.0]\n";
  static final String ROWS_SSE = ": stream open\n\n"
      + "data: {\"id\":1,\"name\":\"plain\",\"price\":1.5}\n\n"
      + "data: {\"id\":2,\"name\":\"comma, \\\"quoted\\\"\",\"price\":null}\n\n"
      + "data: {\"id\":3,\"name\":\"two\\nlines\",\"price\":3.0}\n\n";

  @JsonPropertyOrder({"label", "count"})
  public static final class Pojo {
    private final String label;
    private final int count;

    Pojo(String label, int count) {
      this.label = label;
      this.count = count;
    }

    public String getLabel() {
      return label;
    }

    public int getCount() {
      return count;
    }
  }

  static volatile CompletableFuture<SubmissionPublisher<String>> heartbeatSource = new CompletableFuture<>();

  private static TestServer server;

  @BeforeAll
  static void start(Vertx vertx) {
    server = TestServer.start(vertx, new Sources(vertx));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  public static class Sources {
    private final Vertx vertx;

    Sources(Vertx vertx) {
      this.vertx = vertx;
    }

    private <T> Future<T> later(T value) {
      Promise<T> promise = Promise.promise();
      vertx.setTimer(5, id -> promise.complete(value));
      return promise.future();
    }

    @Get("/auto/readstream")
    public ReadStream<Row> readStream() {
      return new IteratorReadStream<>(vertx.getOrCreateContext(), ROWS.iterator());
    }

    @Get("/auto/stream")
    public Stream<Row> stream() {
      return ROWS.stream();
    }

    @Get("/auto/iterator")
    public Iterator<Row> iterator() {
      return ROWS.iterator();
    }

    @Get("/auto/publisher")
    public Flow.Publisher<Row> publisher() {
      return new IteratorPublisher<>(ROWS.iterator());
    }

    @Get("/auto/submission-publisher")
    public Flow.Publisher<Row> submissionPublisher() {
      // Items submitted before anyone subscribes are dropped, so publish once subscribed.
      SubmissionPublisher<Row> publisher = new SubmissionPublisher<>() {
        @Override
        public void subscribe(Flow.Subscriber<? super Row> subscriber) {
          super.subscribe(subscriber);
          ROWS.forEach(this::submit);
          close();
        }
      };
      return publisher;
    }

    @Get("/auto/streamed")
    public Streamed<Row> streamed() {
      return Streamed.of(ROWS.iterator(), StreamFormat.AUTO);
    }

    @Get("/auto/future")
    public Future<Stream<Row>> future() {
      return later(ROWS.stream());
    }

    @Get("/auto/future-streamed")
    public Future<Streamed<Row>> futureStreamed() {
      return later(Streamed.of(new IteratorPublisher<>(ROWS.iterator()), StreamFormat.AUTO));
    }

    @Get("/auto/completion-stage")
    public CompletionStage<Iterator<Row>> completionStage() {
      return CompletableFuture.supplyAsync(ROWS::iterator);
    }

    @Blocking
    @Get("/auto/blocking-handler")
    public Stream<Row> blockingHandler() {
      return ROWS.stream();
    }

    @Get("/annotated/ndjson")
    @Streaming(format = StreamFormat.NDJSON)
    public Iterator<Row> annotatedNdjson() {
      return ROWS.iterator();
    }

    @Get("/annotated/csv")
    @Streaming(format = StreamFormat.CSV)
    public ReadStream<Row> annotatedCsv() {
      return new IteratorReadStream<>(vertx.getOrCreateContext(), ROWS.iterator());
    }

    @Get("/annotated/text")
    @Streaming(format = StreamFormat.TEXT)
    public Flow.Publisher<Row> annotatedText() {
      return new IteratorPublisher<>(ROWS.iterator());
    }

    @Get("/annotated/sse")
    @Streaming(format = StreamFormat.SSE)
    public Stream<Row> annotatedSse() {
      return ROWS.stream();
    }

    /** The per-response format wins over the annotation and the Accept header. */
    @Get("/streamed")
    @Streaming(format = StreamFormat.TEXT)
    public Streamed<Row> streamedFormat(@QueryParam("format") StreamFormat format) {
      return Streamed.of(ROWS.stream(), format);
    }

    @Get("/empty")
    public Stream<Row> empty() {
      return Stream.empty();
    }

    @Get("/csv/columns")
    @Streaming(format = StreamFormat.CSV, columns = {"price", "id"})
    public Stream<Row> csvColumns() {
      return ROWS.stream();
    }

    @Get("/csv/with-columns")
    public Streamed<Row> csvWithColumns() {
      return Streamed.of(ROWS.iterator(), StreamFormat.CSV).withColumns("name");
    }

    @Get("/csv/maps")
    @Streaming(format = StreamFormat.CSV)
    public Stream<Map<String, Object>> csvMaps() {
      return Stream.of(map("a,b", "x,y", "qty", 2, "note", null),
          map("a,b", "say \"hi\"", "qty", 3, "note", "naïve\r\nsecond"));
    }

    @Get("/csv/maps-declared")
    @Streaming(format = StreamFormat.CSV, columns = {"qty", "missing", "ok"})
    public Stream<Map<String, Object>> csvMapsDeclared() {
      return Stream.of(map("ok", true, "qty", 2L, "other", "ignored"), map("qty", 3L, "ok", false));
    }

    @Get("/csv/pojos")
    @Streaming(format = StreamFormat.CSV)
    public Iterator<Pojo> csvPojos() {
      return List.of(new Pojo("first", 1), new Pojo("sec,ond", 2)).iterator();
    }

    @Get("/csv/unknown-column")
    @Streaming(format = StreamFormat.CSV, columns = {"id", "nope"})
    public Stream<Row> csvUnknownColumn() {
      return ROWS.stream();
    }

    @Get("/sse/fields")
    @Streaming(format = StreamFormat.SSE)
    public Stream<Object> sseFields() {
      return Stream.of(
          new SseEvent("7", "update", "line1\nline2\r\nline3\rline4", Duration.ofSeconds(3)),
          SseEvent.data(""),
          SseEvent.of("8", "plain"),
          new SseEvent(null, "ping", "x", null),
          "a string item",
          map("k", 1));
    }

    @Get("/sse/resume")
    @Streaming(format = StreamFormat.SSE)
    public Stream<SseEvent> sseResume(@HeaderParam("Last-Event-ID") Long lastEventId) {
      long from = lastEventId == null ? 1 : lastEventId + 1;
      return LongStream.rangeClosed(from, 5)
          .mapToObj(i -> SseEvent.of(Long.toString(i), "event " + i + " after " + lastEventId));
    }

    @Get("/sse/heartbeat")
    @Streaming(format = StreamFormat.SSE, heartbeat = "100ms")
    public Flow.Publisher<String> sseHeartbeat() {
      SubmissionPublisher<String> publisher = new SubmissionPublisher<>();
      heartbeatSource.complete(publisher);
      return publisher;
    }

    @Get("/gzip")
    public Stream<Row> gzip() {
      return LongStream.rangeClosed(1, 5000).mapToObj(i -> new Row(i, "row " + i, i / 4.0));
    }

    /** Bytes the source encoded, in buffers of whole lines, some tiny, one large. */
    @Get("/encoded")
    public Streamed<Buffer> encoded(@QueryParam("format") StreamFormat format) {
      List<Buffer> buffers = List.of(Buffer.buffer("id,name\n1,plain\n"), Buffer.buffer("2,\"a, b\"\n"),
          Buffer.buffer(ENCODED_TAIL));
      return Streamed.ofEncoded(new IteratorReadStream<>(vertx.getOrCreateContext(), buffers.iterator()), format);
    }
  }

  /** 5,000 lines of about 20 bytes: a buffer larger than the response's 32 KiB flush size. */
  static final String ENCODED_TAIL = LongStream.rangeClosed(3, 5002)
      .mapToObj(i -> i + ",row " + i + "\n").collect(java.util.stream.Collectors.joining());
  static final String ENCODED = "id,name\n1,plain\n2,\"a, b\"\n" + ENCODED_TAIL;

  static Map<String, Object> map(Object... keysAndValues) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      m.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return m;
  }

  private static HttpResponse<String> get(String path, String accept) {
    HttpRequest.Builder b = server.request(path).GET();
    if (accept != null) {
      b.header("Accept", accept);
    }
    return server.send(b.build());
  }

  private static void assertStreamed(HttpResponse<String> r, String contentType, String body) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue(contentType);
    assertThat(r.headers().firstValue("transfer-encoding")).hasValue("chunked");
    assertThat(r.headers().firstValue("content-length")).isEmpty();
    assertThat(r.body()).isEqualTo(body);
  }

  static Stream<Arguments> sourcesByAccept() {
    List<String> paths = List.of("/auto/readstream", "/auto/stream", "/auto/iterator",
        "/auto/publisher", "/auto/submission-publisher", "/auto/streamed", "/auto/future",
        "/auto/future-streamed", "/auto/completion-stage", "/auto/blocking-handler");
    List<Arguments> args = new ArrayList<>();
    for (String path : paths) {
      args.add(Arguments.of(path, null, NDJSON, ROWS_NDJSON));
      args.add(Arguments.of(path, "application/x-ndjson", NDJSON, ROWS_NDJSON));
      args.add(Arguments.of(path, "application/json", NDJSON, ROWS_NDJSON));
      args.add(Arguments.of(path, "text/csv", CSV, ROWS_CSV));
      args.add(Arguments.of(path, "text/plain", TEXT, ROWS_TEXT));
      args.add(Arguments.of(path, "text/event-stream", SSE, ROWS_SSE));
    }
    return args.stream();
  }

  @ParameterizedTest(name = "{0} Accept: {1}")
  @MethodSource("sourcesByAccept")
  void everySource_inTheFormatTheAcceptHeaderAsks(String path, String accept, String contentType,
      String body) {
    assertStreamed(get(path, accept), contentType, body);
  }

  @ParameterizedTest(name = "Accept: {0}")
  @ValueSource(strings = {"TEXT/CSV", "application/json;q=0.5, text/csv;q=0.9", "text/csv; charset=utf-8"})
  void auto_findsCsvInAnyAcceptSpelling(String accept) {
    assertStreamed(get("/auto/iterator", accept), CSV, ROWS_CSV);
  }

  static Stream<Arguments> weightedAccept() {
    return Stream.of(
        Arguments.of("text/csv;q=0, application/x-ndjson", NDJSON, ROWS_NDJSON),
        Arguments.of("text/plain;q=0.5, text/csv", CSV, ROWS_CSV),
        Arguments.of("text/csv;q=0.1, text/event-stream;q=0.9", SSE, ROWS_SSE),
        Arguments.of("text/html,application/xhtml+xml,*/*;q=0.8", NDJSON, ROWS_NDJSON),
        Arguments.of("text/*", CSV, ROWS_CSV),
        Arguments.of("text/*;q=0.5, text/plain", TEXT, ROWS_TEXT),
        Arguments.of("*/*;q=0.1, application/x-ndjson;q=0", CSV, ROWS_CSV),
        Arguments.of("application/json", NDJSON, ROWS_NDJSON),
        Arguments.of("text/csv;q=abc", NDJSON, ROWS_NDJSON));
  }

  @ParameterizedTest(name = "Accept: {0}")
  @MethodSource("weightedAccept")
  void auto_honoursQualityValuesAndWildcards(String accept, String contentType, String body) {
    assertStreamed(get("/auto/iterator", accept), contentType, body);
  }

  static Stream<Arguments> annotated() {
    return Stream.of(
        Arguments.of("/annotated/ndjson", "text/event-stream", NDJSON, ROWS_NDJSON),
        Arguments.of("/annotated/csv", "text/event-stream", CSV, ROWS_CSV),
        Arguments.of("/annotated/text", "text/event-stream", TEXT, ROWS_TEXT),
        Arguments.of("/annotated/sse", "text/csv", SSE, ROWS_SSE));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("annotated")
  void streamingAnnotation_winsOverAccept(String path, String accept, String contentType, String body) {
    assertStreamed(get(path, accept), contentType, body);
  }

  static Stream<Arguments> perResponse() {
    return Stream.of(
        Arguments.of("ndjson", NDJSON, ROWS_NDJSON),
        Arguments.of("csv", CSV, ROWS_CSV),
        Arguments.of("text", TEXT, ROWS_TEXT),
        Arguments.of("sse", SSE, ROWS_SSE));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("perResponse")
  void streamedFormat_winsOverAnnotationAndAccept(String format, String contentType, String body) {
    assertStreamed(get("/streamed?format=" + format, "text/plain"), contentType, body);
  }

  @Test
  void streamedAuto_negotiatesPerRequest() {
    assertStreamed(get("/streamed?format=auto", "text/csv"), CSV, ROWS_CSV);
    assertStreamed(get("/streamed?format=auto", null), NDJSON, ROWS_NDJSON);
  }

  @Test
  void emptySource_answers200WithAnEmptyBody() {
    assertStreamed(get("/empty", null), NDJSON, "");
  }

  @Test
  void csv_declaredColumns_pickAndReorderRecordComponents() {
    assertStreamed(get("/csv/columns", null), CSV, "price,id\n1.5,1\n,2\n3.0,3\n");
    assertStreamed(get("/csv/with-columns", null), CSV,
        "name\nplain\n\"comma, \"\"quoted\"\"\"\n\"two\nlines\"\n");
  }

  @Test
  void csv_mapItems_takeTheirColumnsFromTheFirstMap_andQuoteAsRfc4180Says() {
    assertStreamed(get("/csv/maps", null), CSV,
        "\"a,b\",qty,note\n"
            + "\"x,y\",2,\n"
            + "\"say \"\"hi\"\"\",3,\"naïve\r\nsecond\"\n");
  }

  @Test
  void csv_mapItems_withDeclaredColumns_leaveMissingKeysEmpty() {
    assertStreamed(get("/csv/maps-declared", null), CSV, "qty,missing,ok\n2,,true\n3,,false\n");
  }

  @Test
  void csv_pojoItems_areReadThroughJackson() {
    assertStreamed(get("/csv/pojos", null), CSV, "label,count\nfirst,1\n\"sec,ond\",2\n");
  }

  @Test
  void csv_declaredColumnThatTheRecordLacks_isA500BeforeAnyByte() {
    HttpResponse<String> r = get("/csv/unknown-column", null);

    assertThat(r.statusCode()).isEqualTo(500);
    assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(Http.error(r)).startsWith("internal server error");
  }

  @Test
  void sse_writesIdEventRetryAndOneDataLinePerLine() {
    HttpResponse<String> r = get("/sse/fields", null);

    assertStreamed(r, SSE, ": stream open\n\n"
        + "id: 7\nevent: update\nretry: 3000\ndata: line1\ndata: line2\ndata: line3\ndata: line4\n\n"
        + "data: \n\n"
        + "id: 8\ndata: plain\n\n"
        + "event: ping\ndata: x\n\n"
        + "data: a string item\n\n"
        + "data: {\"k\":1}\n\n");
    assertThat(r.headers().firstValue("cache-control")).hasValue("no-cache");
    assertThat(r.headers().firstValue("x-accel-buffering")).hasValue("no");
  }

  @Test
  void sse_lastEventIdHeader_reachesTheHandler() {
    HttpRequest request = server.request("/sse/resume").header("Last-Event-ID", "3").GET().build();

    assertStreamed(server.send(request), SSE, ": stream open\n\n"
        + "id: 4\ndata: event 4 after 3\n\n"
        + "id: 5\ndata: event 5 after 3\n\n");
    assertThat(get("/sse/resume", null).body()).startsWith(": stream open\n\nid: 1\ndata: event 1 after null\n\n");
  }

  @Test
  void sse_heartbeat_isSentWhileTheSourceIsQuiet() throws Exception {
    heartbeatSource = new CompletableFuture<>();
    HttpRequest request = server.request("/sse/heartbeat").GET().build();
    HttpResponse<InputStream> r = server.client().send(request, HttpResponse.BodyHandlers.ofInputStream());
    SubmissionPublisher<String> publisher = heartbeatSource.get(5, TimeUnit.SECONDS);
    try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("content-type")).hasValue(SSE);
      assertThat(in.readLine()).isEqualTo(": stream open");
      assertThat(in.readLine()).isEmpty();
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> publisher.getNumberOfSubscribers() == 1);
      publisher.submit("first");
      assertThat(nextNonHeartbeat(in)).isEqualTo("data: first");
      assertThat(in.readLine()).isEmpty();

      // Nothing more is published: only heartbeats can arrive now.
      assertThat(in.readLine()).isEqualTo(": keep-alive");
      assertThat(in.readLine()).isEmpty();
      assertThat(in.readLine()).isEqualTo(": keep-alive");

      publisher.submit("second");
      assertThat(nextNonHeartbeat(in)).isEqualTo("data: second");
      publisher.close();
      List<String> rest = new ArrayList<>();
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        rest.add(line);
      }
      assertThat(rest).allMatch(l -> l.isEmpty() || l.equals(": keep-alive"));
    }
  }

  private static String nextNonHeartbeat(BufferedReader in) throws IOException {
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      if (!line.isEmpty() && !line.equals(": keep-alive")) {
        return line;
      }
    }
    return null;
  }

  static String gzipBody() {
    StringBuilder sb = new StringBuilder();
    for (long i = 1; i <= 5000; i++) {
      sb.append("{\"id\":").append(i).append(",\"name\":\"row ").append(i).append("\",\"price\":")
          .append(i / 4.0).append("}\n");
    }
    return sb.toString();
  }

  @Test
  void gzip_whenTheClientAcceptsIt_decompressesToTheExactBody() throws Exception {
    HttpRequest request = server.request("/gzip").header("Accept-Encoding", "gzip").GET().build();

    HttpResponse<byte[]> r = Http.sendForBytes(server.client(), request);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-encoding")).hasValue("gzip");
    assertThat(r.headers().firstValue("content-type")).hasValue(NDJSON);
    assertThat(r.headers().firstValue("transfer-encoding")).hasValue("chunked");
    String expected = gzipBody();
    assertThat(r.body().length).isLessThan(expected.length() / 3);
    try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(r.body()))) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(expected);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("perResponse")
  void encodedBytes_areWrittenAsTheyCame_withTheFormatsContentType(String format, String contentType,
      String ignored) {
    if (format.equals("sse")) {
      assertThatThrownBy(() -> Streamed.ofEncoded(new IteratorReadStream<Buffer>(null, List.<Buffer>of().iterator()),
          StreamFormat.SSE)).isInstanceOf(IllegalArgumentException.class)
          .hasMessage("format of encoded bytes must be NDJSON, CSV or TEXT, but was SSE");
      return;
    }
    assertStreamed(get("/encoded?format=" + format, null), contentType, ENCODED);
  }

  @Test
  void encodedBytes_gzip_decompressToTheSameBytes() throws Exception {
    HttpRequest request = server.request("/encoded?format=csv").header("Accept-Encoding", "gzip").GET().build();

    HttpResponse<byte[]> r = Http.sendForBytes(server.client(), request);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-encoding")).hasValue("gzip");
    try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(r.body()))) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(ENCODED);
    }
  }

  @Test
  void gzip_notAsked_isPlain() {
    HttpResponse<String> r = get("/gzip", null);

    assertStreamed(r, NDJSON, gzipBody());
    assertThat(r.headers().firstValue("content-encoding")).isEmpty();
  }

  @Test
  void rawWire_isChunkedAndEndsWithTheZeroLengthChunk() throws Exception {
    try (Socket socket = Http.connect(server.port())) {
      Http.write(socket, Http.get("/auto/iterator"));
      ChunkedReader reader = new ChunkedReader(socket).readHead();

      assertThat(reader.status()).isEqualTo(200);
      assertThat(reader.headers()).containsEntry("transfer-encoding", "chunked")
          .containsEntry("content-type", NDJSON).doesNotContainKey("content-length");
      assertThat(reader.readBody()).isEqualTo(ROWS_NDJSON);
      assertThat(reader.ended()).isTrue();

      // The connection stays usable for the next request.
      Http.write(socket, Http.get("/auto/stream"));
      assertThat(new ChunkedReader(socket).readHead().readBody()).isEqualTo(ROWS_NDJSON);
    }
  }
}
