package dev.bulwark.tasks;

import java.time.Instant;

/**
 * A snapshot of a task as the queue stored it.
 *
 * <p>Immutable and thread-safe (the {@code result} is a freshly decoded value per snapshot).
 *
 * @param id the task id
 * @param type the task type
 * @param state the state
 * @param attempts attempts started so far (0 while it never ran)
 * @param createdAt when it was submitted
 * @param startedAt when its latest attempt started, or null
 * @param finishedAt when it reached a final state, or null
 * @param result the handler's result decoded from JSON ({@code Map}, {@code List}, {@code Number},
 *     {@code String}, {@code Boolean}) or null
 * @param error the latest failure (the dead-letter reason for a dead task), or null
 * @param progress the latest progress the handler reported, 0 to 1
 * @param progressMessage the message of the latest progress report, or null
 */
public record TaskStatus(String id, String type, TaskState state, int attempts, Instant createdAt,
    Instant startedAt, Instant finishedAt, Object result, String error, double progress,
    String progressMessage) {
}
