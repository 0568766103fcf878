package dev.bulwark.web;

/**
 * Thrown (or failed through a future) by a handler to answer with a status and a JSON
 * {@code {"error": message}} body. Cheap: no stack trace, since it is an answer, not a bug.
 */
public class HttpException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final int status;

  /**
   * @param status an HTTP status from 400 to 599
   * @param message the error text the client sees
   */
  public HttpException(int status, String message) {
    super(message, null, false, false);
    if (status < 400 || status > 599) {
      throw new IllegalArgumentException("status must be between 400 and 599, but was " + status);
    }
    this.status = status;
  }

  /** 400 with {@code message}. */
  public static HttpException badRequest(String message) {
    return new HttpException(400, message);
  }

  /** 404 with {@code message}. */
  public static HttpException notFound(String message) {
    return new HttpException(404, message);
  }

  /** The HTTP status. */
  public int status() {
    return status;
  }
}
