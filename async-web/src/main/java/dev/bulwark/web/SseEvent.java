package dev.bulwark.web;

import java.time.Duration;

/**
 * One server-sent event. Any field but {@code data} may be null. Multi-line data is sent as
 * several {@code data:} lines, as the SSE format requires. Immutable.
 *
 * @param id the event id (the client sends the last one back as {@code Last-Event-ID})
 * @param event the event type
 * @param data the payload text
 * @param retry the reconnection delay to advise the client, or null
 */
public record SseEvent(String id, String event, String data, Duration retry) {

  public SseEvent {
    if (data == null) {
      throw new IllegalArgumentException("data must not be null");
    }
    for (String field : new String[] {id, event}) {
      if (field != null && (field.indexOf('\n') >= 0 || field.indexOf('\r') >= 0)) {
        throw new IllegalArgumentException("id and event must be one line, but was '" + field + "'");
      }
    }
  }

  /** An event with only data. */
  public static SseEvent data(String data) {
    return new SseEvent(null, null, data, null);
  }

  /** An event with an id and data. */
  public static SseEvent of(String id, String data) {
    return new SseEvent(id, null, data, null);
  }
}
