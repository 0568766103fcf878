package dev.bulwark.tasks.impl;

import dev.bulwark.tasks.TaskState;
import dev.bulwark.tasks.TaskStatus;
import java.time.Instant;
import java.util.Map;
import java.util.function.Function;

/**
 * The field names of a stored task (a Redis hash, or the in-process record's snapshot) and their
 * conversion to {@link TaskStatus}. Stateless.
 */
final class Fields {

  static final String ID = "id";
  static final String TYPE = "type";
  static final String PAYLOAD = "payload";
  static final String STATE = "state";
  static final String ATTEMPTS = "attempts";
  static final String MAX = "max";
  static final String LIMIT = "limit";
  static final String CREATED = "created";
  static final String STARTED = "started";
  static final String FINISHED = "finished";
  static final String RESULT = "result";
  static final String ERROR = "error";
  static final String PROGRESS = "progress";
  static final String PROGRESS_MESSAGE = "pmsg";
  static final String IDEMPOTENCY_KEY = "idem";

  private Fields() {
  }

  /** The status the fields describe; {@code decodeResult} turns the result JSON into a value. */
  static TaskStatus toStatus(String id, Map<String, String> f, Function<String, Object> decodeResult) {
    String result = f.get(RESULT);
    return new TaskStatus(id, f.get(TYPE), TaskState.fromWireName(f.get(STATE)),
        (int) number(f.get(ATTEMPTS)), instant(f.get(CREATED)), instant(f.get(STARTED)),
        instant(f.get(FINISHED)), result == null || result.isEmpty() ? null : decodeResult.apply(result),
        blankToNull(f.get(ERROR)), f.get(PROGRESS) == null ? 0 : Double.parseDouble(f.get(PROGRESS)),
        blankToNull(f.get(PROGRESS_MESSAGE)));
  }

  private static long number(String s) {
    return s == null || s.isEmpty() ? 0 : Long.parseLong(s);
  }

  private static Instant instant(String s) {
    return s == null || s.isEmpty() ? null : Instant.ofEpochMilli(Long.parseLong(s));
  }

  private static String blankToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
