package dev.bulwark.examples.shop;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import org.slf4j.MDC;
import org.slf4j.Marker;

/**
 * Puts the current span's ids into the MDC as {@code trace_id} and {@code span_id} before each
 * log call (and takes them out when no span is current), so the JSON log lines carry them in their
 * {@code mdc} object. A turbo filter runs on the logging thread before the event exists, where the
 * span is current (an event-loop request, a worker task), and an asynchronous appender copies the
 * MDC there too. It decides nothing ({@link FilterReply#NEUTRAL}); installed only with tracing.
 * Thread-safe: the MDC is per thread.
 */
final class TraceIdsFilter extends TurboFilter {

  static final String TRACE_ID = "trace_id";
  static final String SPAN_ID = "span_id";

  /** Adds the filter to {@code context} once. */
  static void install(LoggerContext context) {
    for (TurboFilter f : context.getTurboFilterList()) {
      if (f instanceof TraceIdsFilter) {
        return;
      }
    }
    TraceIdsFilter filter = new TraceIdsFilter();
    filter.setName("trace-ids");
    filter.setContext(context);
    filter.start();
    context.addTurboFilter(filter);
  }

  @Override
  public FilterReply decide(Marker marker, Logger logger, Level level, String format,
      Object[] params, Throwable t) {
    SpanContext span = Span.current().getSpanContext();
    if (span.isValid()) {
      MDC.put(TRACE_ID, span.getTraceId());
      MDC.put(SPAN_ID, span.getSpanId());
    } else if (MDC.get(TRACE_ID) != null) {
      MDC.remove(TRACE_ID);
      MDC.remove(SPAN_ID);
    }
    return FilterReply.NEUTRAL;
  }
}
