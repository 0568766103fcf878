package dev.bulwark.examples.shop;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.status.Status;
import ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy;
import ch.qos.logback.core.util.FileSize;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import org.slf4j.LoggerFactory;

/**
 * The shop's logging, set from its command line over the {@link #defaults defaults}: a
 * console appender on stderr (stdout carries only the "listening on" line), optionally a rolling
 * file, text or one JSON object per line (Logback's own {@link JsonEncoder}), levels per package,
 * and the access log (logger {@value #ACCESS_LOGGER}) behind an asynchronous appender so that no
 * event loop waits on a disk.
 *
 * <p>Not thread-safe: call {@link #apply} once at start, before the shop logs, from the main thread.
 */
public final class ShopLogging {

  /** The access log's logger; one line per request (see {@link AccessLog}). */
  public static final String ACCESS_LOGGER = "dev.bulwark.access";
  /** Default largest size of one log file before it rolls: 10 MB. */
  public static final FileSize DEFAULT_MAX_FILE_SIZE = FileSize.valueOf("10MB");
  /** Default number of days of rolled files kept: 7. */
  public static final int DEFAULT_MAX_HISTORY = 7;
  /** Default bound on the size of all rolled files together: 100 MB; the oldest go first. */
  public static final FileSize DEFAULT_TOTAL_SIZE_CAP = FileSize.valueOf("100MB");
  /** Events the access log's queue holds; beyond it lines are dropped rather than block a loop. */
  static final int ACCESS_QUEUE_SIZE = 8192;

  private static final AtomicBoolean SHUTDOWN_HOOK = new AtomicBoolean();
  private static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level [%thread] %logger{30} - %msg%n";
  private static final Pattern LOGGER_NAME =
      Pattern.compile("[A-Za-z_$][A-Za-z0-9_$]*(\\.[A-Za-z_$][A-Za-z0-9_$]*)*");
  private static final List<String> LEVELS = List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF");

  /** The output format of every appender. */
  public enum Format {
    /** {@code HH:mm:ss.SSS LEVEL [thread] logger - message}. */
    TEXT,
    /** One JSON object per line: timestamp, level, threadName, loggerName, message, kvpList, ... */
    JSON
  }

  /**
   * What the command line asked for.
   *
   * @param file the log file, or null for the console only
   * @param format text or JSON, for the console and the file
   * @param levels logger name (or {@code ROOT}) to level, applied in order
   * @param maxFileSize size at which the file rolls
   * @param maxHistory days of rolled files kept
   * @param totalSizeCap bound on all rolled files together
   * @param accessLog whether the access log is on
   */
  public record Settings(Path file, Format format, Map<String, Level> levels, FileSize maxFileSize,
      int maxHistory, FileSize totalSizeCap, boolean accessLog) {

    public Settings {
      levels = Collections.unmodifiableMap(new LinkedHashMap<>(levels));
    }

    /** Console, text, the default levels, no access log. */
    public static Settings defaults() {
      return new Settings(null, Format.TEXT, Map.of(), DEFAULT_MAX_FILE_SIZE, DEFAULT_MAX_HISTORY,
          DEFAULT_TOTAL_SIZE_CAP, false);
    }
  }

  private ShopLogging() {
  }

  /**
   * Parses {@code dev.bulwark=DEBUG,io.vertx=WARN} (logger names or {@code root}; levels TRACE,
   * DEBUG, INFO, WARN, ERROR, OFF in any case).
   *
   * @throws IllegalArgumentException naming the first bad item: the message is one line
   */
  public static Map<String, Level> parseLevels(String text) {
    Map<String, Level> levels = new LinkedHashMap<>();
    for (String item : text.split(",", -1)) {
      String trimmed = item.strip();
      int eq = trimmed.indexOf('=');
      if (eq < 0) {
        throw new IllegalArgumentException("--log-level items must be LOGGER=LEVEL, but was '" + trimmed + "'");
      }
      String name = trimmed.substring(0, eq).strip();
      String level = trimmed.substring(eq + 1).strip().toUpperCase(Locale.ROOT);
      if (!LOGGER_NAME.matcher(name).matches()) {
        throw new IllegalArgumentException("--log-level logger must be a package or class name or root, but was '"
            + name + "'");
      }
      if (!LEVELS.contains(level)) {
        throw new IllegalArgumentException("--log-level level must be one of " + String.join(", ", LEVELS)
            + ", but was '" + trimmed.substring(eq + 1).strip() + "' for " + name);
      }
      levels.put(name.equalsIgnoreCase("root") ? Logger.ROOT_LOGGER_NAME : name, Level.toLevel(level));
    }
    return levels;
  }

  /** Replaces the default appenders with the ones {@code settings} ask for. */
  public static void apply(Settings settings) {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    if (SHUTDOWN_HOOK.compareAndSet(false, true)) {
      // Stopping the context drains the access log's queues (up to 1 s) before the JVM exits.
      Runtime.getRuntime().addShutdownHook(new Thread(
          () -> ((LoggerContext) LoggerFactory.getILoggerFactory()).stop(), "logback-shutdown"));
    }
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.detachAndStopAllAppenders();

    List<Appender<ILoggingEvent>> sinks = new ArrayList<>();
    sinks.add(console(context, settings.format()));
    if (settings.file() != null) {
      sinks.add(rollingFile(context, settings));
    }
    sinks.forEach(root::addAppender);

    for (Map.Entry<String, Level> e : settings.levels().entrySet()) {
      context.getLogger(e.getKey()).setLevel(e.getValue());
    }

    Logger access = context.getLogger(ACCESS_LOGGER);
    access.detachAndStopAllAppenders();
    if (settings.accessLog()) {
      access.setAdditive(false);
      // An AsyncAppender feeds exactly one appender: one per sink.
      for (Appender<ILoggingEvent> sink : sinks) {
        AsyncAppender async = new AsyncAppender();
        async.setContext(context);
        async.setName("ACCESS-" + sink.getName());
        async.setQueueSize(ACCESS_QUEUE_SIZE);
        async.setDiscardingThreshold(0); // keep INFO lines until the queue is really full
        async.setNeverBlock(true);       // then drop them: an event loop must not wait on a disk
        async.addAppender(sink);
        async.start();
        access.addAppender(async);
      }
      if (!settings.levels().containsKey(ACCESS_LOGGER)) {
        access.setLevel(Level.INFO);
      }
    }
  }

  /**
   * The defaults, in code ({@link ShopLogConfigurator} installs them as Logback starts): text on
   * stderr, {@code dev.bulwark} at INFO, the rest at WARN.
   */
  static void defaults(LoggerContext context) {
    context.getLogger("dev.bulwark").setLevel(Level.INFO);
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.WARN);
    root.addAppender(console(context, Format.TEXT));
  }

  private static Appender<ILoggingEvent> console(LoggerContext context, Format format) {
    ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
    console.setContext(context);
    console.setName("STDERR");
    console.setTarget("System.err");
    console.setEncoder(encoder(context, format));
    console.start();
    return console;
  }

  /** Puts back the defaults Logback starts with; for tests. */
  static void reset() throws Exception {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    context.reset();
    new ch.qos.logback.classic.util.ContextInitializer(context).autoConfig();
  }

  private static Encoder<ILoggingEvent> encoder(LoggerContext context, Format format) {
    if (format == Format.JSON) {
      JsonEncoder json = new JsonEncoder();
      json.setContext(context);
      json.setWithSequenceNumber(false);
      json.setWithNanoseconds(false);
      json.setWithContext(false);
      json.setWithArguments(false);
      json.setWithFormattedMessage(true);
      json.start();
      return json;
    }
    PatternLayoutEncoder text = new PatternLayoutEncoder();
    text.setContext(context);
    text.setPattern(PATTERN);
    text.start();
    return text;
  }

  private static Appender<ILoggingEvent> rollingFile(LoggerContext context, Settings settings) {
    RollingFileAppender<ILoggingEvent> file = new RollingFileAppender<>();
    file.setContext(context);
    file.setName("FILE");
    file.setFile(settings.file().toString());
    file.setEncoder(encoder(context, settings.format()));

    // Rolled files sit beside the live one: shop.log.2026-11-30.0.gz, .1.gz, ...
    SizeAndTimeBasedRollingPolicy<ILoggingEvent> policy = new SizeAndTimeBasedRollingPolicy<>();
    policy.setContext(context);
    policy.setParent(file);
    policy.setFileNamePattern(settings.file() + ".%d{yyyy-MM-dd}.%i.gz");
    policy.setMaxFileSize(settings.maxFileSize());
    policy.setMaxHistory(settings.maxHistory());
    policy.setTotalSizeCap(settings.totalSizeCap());
    policy.start();
    file.setRollingPolicy(policy);
    file.start();
    if (!file.isStarted()) {
      String reason = context.getStatusManager().getCopyOfStatusList().stream()
          .filter(st -> st.getLevel() == Status.ERROR)
          .reduce((first, second) -> second)
          .map(st -> st.getMessage() + (st.getThrowable() == null ? "" : ": " + st.getThrowable().getMessage()))
          .orElse("see Logback's status messages");
      throw new IllegalStateException("cannot write " + settings.file() + ": " + reason);
    }
    return file;
  }
}
