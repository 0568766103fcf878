package dev.bulwark.core;

import static dev.bulwark.core.TestSupport.await;
import static dev.bulwark.core.testing.InMemoryTracing.childOf;
import static dev.bulwark.core.testing.InMemoryTracing.named;
import static org.assertj.core.api.Assertions.assertThat;

import dev.bulwark.core.testing.InMemoryTracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A pool carries the submitter's trace context to its worker, with wait and run spans. */
class WorkerPoolTracingTest {

  private static InMemoryTracing tracing;
  private static Vertx traced;

  private final TestSupport.Gate gate = new TestSupport.Gate();
  private WorkerPool pool;

  @BeforeAll
  static void install() {
    tracing = new InMemoryTracing();
    traced = tracing.vertx();
  }

  @AfterAll
  static void uninstall() {
    await(traced.close());
    tracing.close();
  }

  @BeforeEach
  void createPool() {
    tracing.reset();
    pool = WorkerPool.builder().name("traced").maxConcurrency(1).maxQueue(0).build();
  }

  @AfterEach
  void closePool() {
    gate.open();
    await(pool.close(Duration.ofSeconds(1)));
  }

  /** Submits a task that returns its current span, on {@code vertx} under a "request" span. */
  private Future<SpanContext> underRequestSpan(Vertx vertx) {
    return InMemoryTracing.underSpan(vertx, "request",
        () -> pool.submit(() -> Span.current().getSpanContext()));
  }

  @Test
  void submit_runsTheTaskUnderARunSpanAfterAWaitSpan_bothChildrenOfTheSubmitter() {
    SpanContext seenByTask = await(underRequestSpan(traced));

    SpanData request = tracing.await("request span", named("request"));
    SpanData wait = tracing.await("wait span", named("wait traced"));
    SpanData run = tracing.await("run span", named("run traced"));
    assertThat(wait).matches(childOf(request), "child of the request span");
    assertThat(run).matches(childOf(request), "child of the request span");
    assertThat(seenByTask.getSpanId()).as("current span in the task").isEqualTo(run.getSpanId());
    assertThat(run.getAttributes().asMap()).containsValue("traced");
    assertThat(wait.getEndEpochNanos()).isLessThanOrEqualTo(run.getStartEpochNanos());
  }

  @Test
  void submit_rejected_endsItsWaitSpanAsAnError() throws InterruptedException {
    pool.submit(gate.task("held"));
    gate.awaitEntered(1);

    Throwable rejected = TestSupport.awaitFailure(underRequestSpan(traced));

    assertThat(rejected).isInstanceOf(RejectedTaskException.class);
    SpanData wait = tracing.await("wait span", named("wait traced"));
    assertThat(wait.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(tracing.find(named("run traced"))).isEmpty();
  }

  @Test
  void submit_onAVertxWithoutTracer_makesNoSpans() {
    Vertx untraced = Vertx.vertx();
    try {
      SpanContext seenByTask = await(underRequestSpan(untraced));
      tracing.await("request span", named("request"));
      assertThat(tracing.spans()).extracting(SpanData::getName).containsExactly("request");
      assertThat(seenByTask.isValid()).as("no context carried").isFalse();
    } finally {
      await(untraced.close());
    }
  }
}
