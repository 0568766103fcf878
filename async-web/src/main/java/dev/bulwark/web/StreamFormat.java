package dev.bulwark.web;

/** How a streamed response encodes its items. */
public enum StreamFormat {

  /**
   * Chosen from the request's {@code Accept} header, with its quality values: {@code
   * text/event-stream} gives {@link #SSE}, {@code text/csv} {@link #CSV}, {@code text/plain}
   * {@link #TEXT}, {@code application/x-ndjson} {@link #NDJSON}. The acceptable format with the
   * highest {@code q} wins, then the one named exactly rather than by a wildcard, then NDJSON,
   * CSV, TEXT, SSE in that order; NDJSON when none is acceptable or the header is absent.
   */
  AUTO,

  /** One JSON document per line, {@code application/x-ndjson}. */
  NDJSON,

  /**
   * {@code text/csv}: a header line (the record components, or the declared columns), then one
   * line per item, RFC 4180 quoting.
   */
  CSV,

  /** {@code text/plain}: each item's {@code toString()} on its own line. */
  TEXT,

  /**
   * Server-sent events, {@code text/event-stream}: an {@link SseEvent} item sets
   * {@code id}/{@code event}/{@code retry}/{@code data}; any other item is sent as
   * {@code data: <json>}. A comment line is sent as a heartbeat on an interval.
   */
  SSE
}
