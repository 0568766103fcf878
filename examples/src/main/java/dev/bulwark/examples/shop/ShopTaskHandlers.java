package dev.bulwark.examples.shop;

import dev.bulwark.tasks.InvalidPayloadException;
import dev.bulwark.tasks.TaskQueue;
import dev.bulwark.tasks.TaskState;
import dev.bulwark.tasks.TaskStatus;
import dev.bulwark.web.Body;
import dev.bulwark.web.Delete;
import dev.bulwark.web.Get;
import dev.bulwark.web.HttpException;
import dev.bulwark.web.PathParam;
import dev.bulwark.web.Post;
import dev.bulwark.web.Response;
import io.vertx.core.Future;
import java.util.regex.Pattern;

/**
 * The shop's background-task endpoints (WORKLOAD.md): {@code POST /tasks} submits a report and
 * answers 202 with its id at once, {@code GET /tasks/{id}} tells its state, progress and result,
 * {@code DELETE /tasks/{id}} cancels it. They return futures, so they run on the event loop; the
 * report itself runs on a task worker (this process, or another one with {@code --redis}).
 * Thread-safe.
 */
public final class ShopTaskHandlers {

  /** The body of {@code POST /tasks}. */
  public record TaskRequest(String type, Long rows) {
  }

  /** The answer of {@code POST /tasks}. */
  public record Submitted(String id) {
  }

  /**
   * A task as {@code GET /tasks/{id}} shows it. {@code state} is one of WORKLOAD.md's four
   * (queued, running, succeeded, failed); {@code queueState} is the queue's own finer state:
   * {@code failed} there means an attempt failed and a retry waits (so {@code state} is
   * {@code queued}), and {@code dead} and {@code cancelled} are both {@code failed} here.
   */
  public record TaskView(String id, String type, String state, String queueState, int attempts,
      double progress, String progressMessage, Object result, String error, String createdAt,
      String startedAt, String finishedAt) {

    static TaskView of(TaskStatus s) {
      return new TaskView(s.id(), s.type(), contractState(s.state()), s.state().wireName(),
          s.attempts(), s.progress(), s.progressMessage(), s.result(), s.error(),
          text(s.createdAt()), text(s.startedAt()), text(s.finishedAt()));
    }

    static String contractState(TaskState state) {
      switch (state) {
        case QUEUED:
        case FAILED:
          return "queued";
        case RUNNING:
          return "running";
        case SUCCEEDED:
          return "succeeded";
        default:
          return "failed";
      }
    }

    private static String text(java.time.Instant t) {
      return t == null ? null : t.toString();
    }
  }

  /** Task ids are what the queue hands out; anything else cannot name a task. */
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  private final TaskQueue tasks;

  ShopTaskHandlers(TaskQueue tasks) {
    this.tasks = tasks;
  }

  /** Submits a report of {@code rows} rows: 202 with its id and {@code Location}. */
  @Post("/tasks")
  public Future<Response<Submitted>> submit(@Body TaskRequest request) {
    ReportTask.Params params = ReportTask.validate(request.type(), request.rows());
    return tasks.submit(ReportTask.TYPE, params)
        .recover(e -> e instanceof InvalidPayloadException
            ? Future.failedFuture(HttpException.badRequest(e.getMessage()))
            : Future.failedFuture(e))
        .map(id -> Response.of(202, new Submitted(id)).withHeader("Location", "/tasks/" + id));
  }

  /** The task's state, progress and result; 404 when unknown (or expired). */
  @Get("/tasks/{id}")
  public Future<TaskView> status(@PathParam("id") String id) {
    if (!ID.matcher(id).matches()) {
      return Future.failedFuture(unknown(id));
    }
    return tasks.status(id).map(s -> TaskView.of(s.orElseThrow(() -> unknown(id))));
  }

  /** Cancels the task: 202 (a queued task never runs, a running one is told to stop); 404. */
  @Delete("/tasks/{id}")
  public Future<Response<Submitted>> cancel(@PathParam("id") String id) {
    if (!ID.matcher(id).matches()) {
      return Future.failedFuture(unknown(id));
    }
    return tasks.cancel(id).map(known -> {
      if (!known) {
        throw unknown(id);
      }
      return Response.of(202, new Submitted(id)).withHeader("Location", "/tasks/" + id);
    });
  }

  private static HttpException unknown(String id) {
    return HttpException.notFound("task " + id + " not found");
  }
}
