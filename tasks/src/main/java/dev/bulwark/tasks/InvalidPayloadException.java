package dev.bulwark.tasks;

/**
 * A submitted payload cannot become the payload type registered for its task type, or cannot be
 * encoded as JSON. The message names the task type, the field (a JSON path such as
 * {@code items[2].name}) and the problem, and is safe to show to a client (400).
 *
 * <p>Immutable and thread-safe.
 */
public final class InvalidPayloadException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  private final String type;
  private final String field;

  /**
   * @param type the task type
   * @param field the JSON path of the offending field, or null
   * @param problem what is wrong, for people
   * @param cause Jackson's exception, or null
   */
  public InvalidPayloadException(String type, String field, String problem, Throwable cause) {
    super("invalid payload for task type '" + type + "': "
        + (field == null || field.isEmpty() ? "" : "field '" + field + "': ") + problem, cause);
    this.type = type;
    this.field = field;
  }

  /** The task type the payload was submitted for. */
  public String type() {
    return type;
  }

  /** The JSON path of the offending field, or null when the payload as a whole is wrong. */
  public String field() {
    return field;
  }
}
