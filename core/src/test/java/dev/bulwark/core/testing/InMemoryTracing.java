package dev.bulwark.core.testing;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.tracing.opentelemetry.OpenTelemetryOptions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.awaitility.Awaitility;

/**
 * An OpenTelemetry SDK that keeps finished spans in memory and propagates W3C trace context
 * ({@code traceparent}), installed as
 * {@code GlobalOpenTelemetry} (where Vert.x's {@code OpenTelemetryOptions} and Bulwark's spans
 * both find it), and a Vert.x instance tracing through it. One per test class; {@link #close()}
 * uninstalls it. Thread-safe as the SDK is.
 */
public final class InMemoryTracing implements AutoCloseable {

  private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
  private final OpenTelemetrySdk sdk;

  public InMemoryTracing() {
    sdk = OpenTelemetrySdk.builder()
        .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
        .setTracerProvider(SdkTracerProvider.builder()
            .addSpanProcessor(SimpleSpanProcessor.create(exporter)).build())
        .build();
    GlobalOpenTelemetry.resetForTest();
    GlobalOpenTelemetry.set(sdk);
  }

  /** The installed SDK. */
  public OpenTelemetrySdk sdk() {
    return sdk;
  }

  /** A Vert.x instance whose tracer is Vert.x's OpenTelemetry integration over this SDK. */
  public Vertx vertx() {
    return Vertx.vertx(new VertxOptions().setTracingOptions(new OpenTelemetryOptions()));
  }

  /**
   * Runs {@code work} on an event loop of {@code vertx} under a span named {@code name}, which
   * stays current there until the future completes and then ends (as a server span does until
   * the response), and returns what the future gives.
   */
  public static <T> Future<T> underSpan(Vertx vertx, String name, Supplier<Future<T>> work) {
    Promise<T> done = Promise.promise();
    vertx.runOnContext(v -> {
      Span span = GlobalOpenTelemetry.getTracer("test").spanBuilder(name).startSpan();
      Scope scope = span.makeCurrent();
      work.get().onComplete(ar -> {
        scope.close();
        span.end();
        done.handle(ar);
      });
    });
    return done.future();
  }

  /** The spans finished so far. */
  public List<SpanData> spans() {
    return exporter.getFinishedSpanItems();
  }

  /** Forgets the spans finished so far. */
  public void reset() {
    exporter.reset();
  }

  /** Waits (bounded, by condition) until a finished span matches, and returns it. */
  public SpanData await(String description, Predicate<SpanData> match) {
    return Awaitility.await(description).atMost(Duration.ofSeconds(10))
        .until(() -> find(match), Optional::isPresent).orElseThrow();
  }

  /** The finished span that matches, if any. */
  public Optional<SpanData> find(Predicate<SpanData> match) {
    return spans().stream().filter(match).findFirst();
  }

  /** A matcher of a span by name. */
  public static Predicate<SpanData> named(String name) {
    return s -> s.getName().equals(name);
  }

  /** A matcher of the children of {@code parent}. */
  public static Predicate<SpanData> childOf(SpanData parent) {
    return s -> s.getTraceId().equals(parent.getTraceId())
        && s.getParentSpanId().equals(parent.getSpanId());
  }

  /** Whether {@code span} starts a trace. */
  public static boolean isRoot(SpanData span) {
    return span.getParentSpanId().equals(SpanId.getInvalid());
  }

  @Override
  public void close() {
    GlobalOpenTelemetry.resetForTest();
    sdk.close();
  }
}
