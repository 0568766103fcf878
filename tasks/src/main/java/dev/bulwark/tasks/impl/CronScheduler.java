package dev.bulwark.tasks.impl;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Periodic submits. Every instance that runs workers keeps a timer per schedule and, at each tick,
 * submits the task with the idempotency key {@code cron:<name>:<tickEpochMillis>}; the store's
 * idempotency check (Redis {@code GET}/{@code SET} in one script) lets exactly one submit per tick
 * queue a task, however many instances fire. Ticks are computed in UTC from the queue's clock.
 *
 * <p>Thread-safe: schedules may be added from any thread; timers run on the queue's context.
 */
final class CronScheduler {

  private static final Logger LOG = LoggerFactory.getLogger(CronScheduler.class);
  private static final CronParser SECONDS = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.SPRING));
  private static final CronParser MINUTES = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

  /** Submits one tick's task with its idempotency key. */
  @FunctionalInterface
  interface Submitter {
    Future<String> submit(String type, String payloadJson, String idempotencyKey);
  }

  private record Schedule(String name, String expression, ExecutionTime times, String type, String payload) {
  }

  private final Vertx vertx;
  private final TaskClock clock;
  private final Submitter submitter;
  private final Map<String, Schedule> schedules = new ConcurrentHashMap<>();
  private final Map<String, Long> timers = new ConcurrentHashMap<>();
  private volatile boolean running;

  CronScheduler(Vertx vertx, TaskClock clock, Submitter submitter) {
    this.vertx = vertx;
    this.clock = clock;
    this.submitter = submitter;
  }

  /**
   * Parses and adds a schedule; arms it at once when the scheduler runs.
   *
   * @throws IllegalArgumentException if the expression does not parse or the name is taken
   */
  void add(String name, String expression, String type, String payloadJson) {
    if (name == null || !name.matches("[A-Za-z0-9_.:-]{1,100}")) {
      throw new IllegalArgumentException("schedule name must be 1-100 letters, digits or '_.:-', but was '"
          + name + "'");
    }
    Schedule s = new Schedule(name, expression, ExecutionTime.forCron(parse(expression)), type, payloadJson);
    if (schedules.putIfAbsent(name, s) != null) {
      throw new IllegalArgumentException("schedule '" + name + "' exists already");
    }
    if (running) {
      arm(s, clock.nowMillis());
    }
  }

  static Cron parse(String expression) {
    if (expression == null || expression.isBlank()) {
      throw new IllegalArgumentException("cron must be a cron expression, but was '" + expression + "'");
    }
    int fields = expression.trim().split("\\s+").length;
    try {
      Cron cron = (fields == 5 ? MINUTES : SECONDS).parse(expression.trim());
      return cron.validate();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("cron must be a cron expression of 6 fields (with seconds) or 5,"
          + " but '" + expression + "' is not: " + e.getMessage(), e);
    }
  }

  void start() {
    running = true;
    schedules.values().forEach(s -> arm(s, clock.nowMillis()));
  }

  void stop() {
    running = false;
    timers.values().forEach(vertx::cancelTimer);
    timers.clear();
  }

  /**
   * Arms the timer for the first tick after {@code afterMs}'s whole second (cron-utils keeps the
   * sub-second part of its input, and every instance must compute the same tick).
   */
  private void arm(Schedule s, long afterMs) {
    long now = clock.nowMillis();
    Optional<ZonedDateTime> next = s.times().nextExecution(
        ZonedDateTime.ofInstant(Instant.ofEpochMilli(Math.max(now, afterMs)), ZoneOffset.UTC)
            .truncatedTo(ChronoUnit.SECONDS));
    if (next.isEmpty() || !running) {
      return;
    }
    long tick = next.get().toInstant().toEpochMilli();
    long id = vertx.setTimer(Math.max(1, tick - now), t -> fire(s, tick));
    timers.put(s.name(), id);
  }

  private void fire(Schedule s, long tick) {
    if (!running) {
      return;
    }
    if (clock.nowMillis() < tick) {
      // The timer ran a little early for the queue's clock; wait for the tick itself.
      timers.put(s.name(), vertx.setTimer(Math.max(1, tick - clock.nowMillis()), t -> fire(s, tick)));
      return;
    }
    submitter.submit(s.type(), s.payload(), "cron:" + s.name() + ":" + tick).onFailure(e ->
        LOG.warn("schedule '{}' ({}): tick {} not submitted: {}", s.name(), s.expression(),
            Instant.ofEpochMilli(tick), e.getMessage()));
    arm(s, tick);
  }
}
