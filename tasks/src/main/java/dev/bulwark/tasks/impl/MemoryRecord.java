package dev.bulwark.tasks.impl;

import java.util.HashMap;
import java.util.Map;

/**
 * A task stored by {@link MemoryBackend}. Not thread-safe: every field is guarded by the
 * backend's lock.
 */
final class MemoryRecord {

  final String id;
  final String type;
  final String payload;
  final int max;
  final long limitMs;
  final long created;
  final String idem;
  final String traceparent;
  String state = "queued";
  int attempts;
  long started;
  long finished;
  long due;
  long readyAt;
  long expiresAt = Long.MAX_VALUE;
  String result;
  String error;
  double progress;
  String pmsg;
  String lease;
  boolean cancel;

  MemoryRecord(Backend.NewTask t) {
    this.id = t.id();
    this.type = t.type();
    this.payload = t.payload();
    this.max = t.maxAttempts();
    this.limitMs = t.timeLimitMs();
    this.created = t.nowMs();
    this.idem = t.idempotencyKey();
    this.traceparent = t.traceparent();
  }

  Map<String, String> fields() {
    Map<String, String> f = new HashMap<>();
    f.put(Fields.ID, id);
    f.put(Fields.TYPE, type);
    f.put(Fields.STATE, state);
    f.put(Fields.ATTEMPTS, Integer.toString(attempts));
    f.put(Fields.CREATED, Long.toString(created));
    if (started > 0) {
      f.put(Fields.STARTED, Long.toString(started));
    }
    if (finished > 0) {
      f.put(Fields.FINISHED, Long.toString(finished));
    }
    f.put(Fields.RESULT, result);
    f.put(Fields.ERROR, error);
    f.put(Fields.PROGRESS, Double.toString(progress));
    f.put(Fields.PROGRESS_MESSAGE, pmsg);
    return f;
  }
}
