package dev.bulwark.tasks;

import static dev.bulwark.core.testing.InMemoryTracing.childOf;
import static dev.bulwark.core.testing.InMemoryTracing.named;
import static dev.bulwark.tasks.Queues.BOUND;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.bulwark.core.testing.Await;
import dev.bulwark.core.testing.InMemoryTracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A task submitted in a trace runs in its own trace, linked to its submit span, on both stores. */
class TaskTracingTest {

  record Report(int rows) {
  }

  private static InMemoryTracing tracing;
  private Queues queues;

  @BeforeAll
  static void install() {
    tracing = new InMemoryTracing();
  }

  @AfterAll
  static void uninstall() {
    tracing.close();
  }

  @BeforeEach
  void create() {
    tracing.reset();
    queues = new Queues(tracing.vertx());
  }

  @AfterEach
  void tearDown() throws Exception {
    queues.close();
  }

  @ParameterizedTest
  @EnumSource(Store.class)
  void task_runsInAProcessSpanLinkedToItsSubmitSpan(Store store) {
    TaskQueue q = queues.create(store, b -> { });
    AtomicReference<SpanContext> inHandler = new AtomicReference<>();
    q.register("report", Report.class, (p, ctx) -> {
      inHandler.set(Span.current().getSpanContext());
      return p.rows();
    });
    Queues.start(q);

    String id = Await.result(InMemoryTracing.underSpan(queues.vertx, "request",
        () -> q.submit("report", new Report(3))), BOUND);

    SpanData request = tracing.await("request", named("request"));
    SpanData submit = tracing.await("submit", named("submit report"));
    SpanData process = tracing.await("process", named("process report"));
    assertThat(submit).matches(childOf(request), "submit under the request");
    assertThat(submit.getKind()).isEqualTo(SpanKind.PRODUCER);
    assertThat(submit.getAttributes().asMap()).containsValue(id);
    assertThat(process.getKind()).isEqualTo(SpanKind.CONSUMER);
    assertThat(InMemoryTracing.isRoot(process)).as("a trace of its own").isTrue();
    assertThat(process.getLinks()).extracting(LinkData::getSpanContext)
        .extracting(SpanContext::getSpanId, SpanContext::getTraceId)
        .containsExactly(tuple(submit.getSpanId(), submit.getTraceId()));
    SpanData run = tracing.await("run", s -> s.getName().startsWith("run ")
        && s.getTraceId().equals(process.getTraceId()));
    assertThat(run).matches(childOf(process), "the handler's pool run under the process span");
    assertThat(inHandler.get().getSpanId()).isEqualTo(run.getSpanId());
  }
}
