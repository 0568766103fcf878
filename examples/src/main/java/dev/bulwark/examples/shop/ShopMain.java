package dev.bulwark.examples.shop;

import dev.bulwark.core.Durations;
import dev.bulwark.core.RedisEndpoint;
import dev.bulwark.core.ThreadKind;
import dev.bulwark.db.DbOptions;
import dev.bulwark.web.NetTransport;
import ch.qos.logback.classic.Level;
import ch.qos.logback.core.util.FileSize;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code java -jar bulwark-examples.jar [options]}: starts the shop, prints
 * {@code listening on http://127.0.0.1:PORT} once it accepts requests, and drains on SIGTERM.
 * Unknown options and bad values print one line and exit with status 2.
 */
@Command(name = "bulwark-examples", mixinStandardHelpOptions = true, sortOptions = false,
    version = "bulwark-examples 0.1.0-SNAPSHOT",
    description = "The Bulwark example shop (see WORKLOAD.md).")
public final class ShopMain implements Callable<Integer> {

  /** Exit status for bad command-line usage. */
  public static final int USAGE = 2;
  /** Exit status when the shop could not start (port taken, ...). */
  public static final int START_FAILED = 1;

  private static final ShopConfig DEFAULTS = ShopConfig.defaults();

  @Spec
  CommandLine.Model.CommandSpec spec;

  @Option(names = "--port", paramLabel = "N", description = "TCP port, 0 for any free one (default: 8080).")
  int port = DEFAULTS.port();

  @Option(names = "--host", paramLabel = "ADDR", description = "Address to bind (default: 127.0.0.1).")
  String host = DEFAULTS.host();

  @Option(names = "--workers", paramLabel = "N",
      description = "Max concurrency of the default worker pool (default: 10 per core, ${DEFAULT-VALUE}).")
  int workers = DEFAULTS.workers();

  @Option(names = "--worker-queue", paramLabel = "N",
      description = "Queue bound of the default worker pool (default: 2 x workers).")
  Integer workerQueue;

  @Option(names = "--queue-timeout", paramLabel = "DURATION",
      description = "Longest wait in the worker queue, e.g. 200ms (default: 1s).")
  String queueTimeout = "1s";

  @Option(names = "--event-loops", paramLabel = "N",
      description = "Event-loop threads (default: one per core, ${DEFAULT-VALUE}).")
  int eventLoops = DEFAULTS.eventLoops();

  @Option(names = "--drain-grace", paramLabel = "DURATION",
      description = "How long SIGTERM waits for in-flight requests (default: 30s).")
  String drainGrace = "30s";

  @Option(names = "--drain-delay", paramLabel = "DURATION",
      description = "On SIGTERM, how long /ready answers 503 while requests are still served, "
          + "before new ones are refused and the port closes; for balancers that poll /ready "
          + "(default: 0s; part of the drain grace).")
  String drainDelay = "0s";

  @Option(names = "--warm-up", paramLabel = "DURATION",
      description = "Exercise the shop's own routes in-process for up to DURATION before listening, "
          + "so a (re)started instance takes no traffic cold, e.g. 5s (default: off).")
  String warmUp = "off";

  @Option(names = "--db", paramLabel = "JDBC_URL",
      description = "The database, e.g. jdbc:postgresql://127.0.0.1:5432/test?user=postgres "
          + "(default: H2 in memory).")
  String db = ShopConfig.DEFAULT_DB;

  @Option(names = "--db-pool-size", paramLabel = "N",
      description = "Database connections (default: cores x 2 + 1, ${DEFAULT-VALUE}).")
  int dbPoolSize = DEFAULTS.dbPoolSize();

  @Option(names = "--redis", paramLabel = "URL",
      description = "Redis for two-level caching and the task queue, e.g. redis://127.0.0.1:6379, or a "
          + "Cluster's nodes separated by commas "
          + "(default: a local cache and an in-process queue).")
  String redis;

  @Option(names = "--role", paramLabel = "ROLE",
      description = "web (HTTP only), worker (tasks only) or all (default: all); web and worker need --redis.")
  String role = "all";

  @Option(names = "--task-concurrency", paramLabel = "N",
      description = "Tasks this process runs at once (default: the task queue's default).")
  Integer taskConcurrency;

  @Option(names = "--task-queue", paramLabel = "N",
      description = "Bound of the in-process task queue; a submit beyond it gets 503 (default: the task queue's default).")
  Integer taskQueue;

  @Option(names = "--log-file", paramLabel = "PATH",
      description = "Also log to this file, rolled by size and day (default: the console only).")
  Path logFile;

  @Option(names = "--log-format", paramLabel = "FORMAT",
      description = "text or json (one JSON object per line), for the console and the file (default: text).")
  String logFormat = "text";

  @Option(names = "--log-level", paramLabel = "LOGGER=LEVEL,...",
      description = "Levels per package or class, e.g. dev.bulwark=DEBUG,io.vertx=WARN; root for the rest "
          + "(default: dev.bulwark=INFO, root=WARN).")
  String logLevel;

  @Option(names = "--log-max-size", paramLabel = "SIZE",
      description = "Size at which the log file rolls, e.g. 10MB (default: 10MB).")
  String logMaxSize = "10MB";

  @Option(names = "--log-max-history", paramLabel = "DAYS",
      description = "Days of rolled log files kept (default: 7).")
  int logMaxHistory = ShopLogging.DEFAULT_MAX_HISTORY;

  @Option(names = "--log-total-size", paramLabel = "SIZE",
      description = "Bound on all rolled log files together; the oldest go first (default: 100MB).")
  String logTotalSize = "100MB";

  @Option(names = "--access-log",
      description = "Log one line per request: method, path, route, status, duration, bytes (default: off).")
  boolean accessLog;

  @Option(names = "--ops",
      description = "Serve the live ops page /ops (pools, caches, task queues, dead tasks) to loopback "
          + "clients (default: off).")
  boolean ops;

  @Option(names = "--ops-token", paramLabel = "TOKEN", defaultValue = "${env:BULWARK_OPS_TOKEN}",
      description = "Require Authorization: Bearer TOKEN (16+ characters) on /ops/api from every "
          + "client, which may then be anywhere; needs --ops (default: env BULWARK_OPS_TOKEN, else "
          + "loopback clients only).")
  String opsToken;

  @Option(names = "--tracing",
      description = "Trace requests, pool waits and runs, statements, cache lookups and tasks with "
          + "OpenTelemetry, configured by the OTEL_* variables (default: off, or on when "
          + "OTEL_TRACES_EXPORTER or OTEL_EXPORTER_OTLP_ENDPOINT is set).")
  boolean tracing;

  @Option(names = "--limit", paramLabel = "KIND",
      description = "fixed (the worker pool admits --workers at once) or adaptive (the limit follows "
          + "measured latency between 1 and --workers, a gradient limit) (default: fixed).")
  String limit = "fixed";

  @Option(names = "--threads", paramLabel = "KIND",
      description = "platform or virtual: the default worker pool's threads; virtual needs Java 21+, "
          + "and the pool's limits (--workers, --worker-queue) still apply (default: platform).")
  String threads = "platform";

  @Option(names = "--transport", paramLabel = "KIND",
      description = "auto, io_uring or nio: the network transport; auto takes io_uring where the "
          + "kernel allows it and NIO elsewhere, and io_uring refuses to start without it (default: auto).")
  String transport = "auto";

  private Shop shop;

  /** Parses and checks the logging options. @throws ParameterException on a bad value */
  ShopLogging.Settings logSettings() {
    CommandLine cl = spec.commandLine();
    ShopLogging.Format format;
    switch (logFormat.toLowerCase(java.util.Locale.ROOT)) {
      case "text" -> format = ShopLogging.Format.TEXT;
      case "json" -> format = ShopLogging.Format.JSON;
      default -> throw new ParameterException(cl, "--log-format must be text or json, but was '" + logFormat + "'");
    }
    Map<String, Level> levels;
    try {
      levels = logLevel == null ? Map.of() : ShopLogging.parseLevels(logLevel);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(cl, e.getMessage());
    }
    if (logMaxHistory < 1) {
      throw new ParameterException(cl, "--log-max-history must be >= 1, but was " + logMaxHistory);
    }
    FileSize maxSize = size(cl, "--log-max-size", logMaxSize);
    FileSize totalSize = size(cl, "--log-total-size", logTotalSize);
    if (totalSize.getSize() < maxSize.getSize()) {
      throw new ParameterException(cl, "--log-total-size must be >= --log-max-size (" + logMaxSize
          + "), but was " + logTotalSize);
    }
    if (logFile != null) {
      if (Files.isDirectory(logFile)) {
        throw new ParameterException(cl, "--log-file must be a file, but " + logFile + " is a directory");
      }
      // Logback creates missing directories; the nearest existing one must be a directory.
      Path existing = logFile.toAbsolutePath().getParent();
      while (existing != null && !Files.exists(existing)) {
        existing = existing.getParent();
      }
      if (existing == null || !Files.isDirectory(existing) || !Files.isWritable(existing)) {
        throw new ParameterException(cl, "--log-file cannot be created: " + existing
            + " is not a writable directory");
      }
    }
    return new ShopLogging.Settings(logFile, format, levels, maxSize, logMaxHistory, totalSize, accessLog);
  }

  private static FileSize size(CommandLine cl, String option, String text) {
    // FileSize.valueOf accepts "10MB", "10 mb", "512kb", a bare number of bytes; nothing else.
    try {
      FileSize size = FileSize.valueOf(text);
      if (size.getSize() <= 0) {
        throw new IllegalArgumentException("not positive");
      }
      return size;
    } catch (IllegalArgumentException e) {
      throw new ParameterException(cl, option + " must be a size such as 10MB or 512KB, but was '" + text + "'");
    }
  }

  /** Parses and checks the options into a config. @throws ParameterException on a bad value */
  ShopConfig config() {
    CommandLine cl = spec.commandLine();
    if (port < 0 || port > 65535) {
      throw new ParameterException(cl, "--port must be between 0 and 65535, but was " + port);
    }
    if (workers < 1) {
      throw new ParameterException(cl, "--workers must be >= 1, but was " + workers);
    }
    int queue = workerQueue == null ? 2 * workers : workerQueue;
    if (queue < 0) {
      throw new ParameterException(cl, "--worker-queue must be >= 0, but was " + queue);
    }
    if (eventLoops < 1) {
      throw new ParameterException(cl, "--event-loops must be >= 1, but was " + eventLoops);
    }
    Duration timeout = duration(cl, "--queue-timeout", queueTimeout);
    if (timeout.isZero()) {
      throw new ParameterException(cl, "--queue-timeout must be > 0, but was " + queueTimeout);
    }
    Duration grace = duration(cl, "--drain-grace", drainGrace);
    Duration delay = duration(cl, "--drain-delay", drainDelay);
    if (delay.compareTo(grace) > 0) {
      throw new ParameterException(cl, "--drain-delay must be <= --drain-grace (" + drainGrace
          + "), but was " + drainDelay);
    }
    Duration warm = "off".equals(warmUp) ? Duration.ZERO : duration(cl, "--warm-up", warmUp);
    if (db == null || !db.startsWith("jdbc:h2:") && !db.startsWith("jdbc:postgresql:")) {
      throw new ParameterException(cl, "--db must be a jdbc:postgresql: or jdbc:h2: URL, but was '"
          + DbOptions.maskUrl(String.valueOf(db)) + "'");
    }
    if (dbPoolSize < 1) {
      throw new ParameterException(cl, "--db-pool-size must be >= 1, but was " + dbPoolSize);
    }
    if (redis != null) {
      try {
        RedisEndpoint.parse("--redis", redis);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(cl, e.getMessage());
      }
    }
    ShopConfig.Role parsedRole = role(cl, role);
    if (parsedRole != ShopConfig.Role.ALL && redis == null) {
      throw new ParameterException(cl, "--role " + role + " needs --redis: with the in-process "
          + "queue no other process can run or submit its tasks");
    }
    if (taskConcurrency != null && taskConcurrency < 1) {
      throw new ParameterException(cl, "--task-concurrency must be >= 1, but was " + taskConcurrency);
    }
    if (taskQueue != null && taskQueue < 1) {
      throw new ParameterException(cl, "--task-queue must be >= 1, but was " + taskQueue);
    }
    if (!limit.equals("fixed") && !limit.equals("adaptive")) {
      throw new ParameterException(cl, "--limit must be fixed or adaptive, but was '" + limit + "'");
    }
    ThreadKind threadKind = threadKind(cl, threads);
    NetTransport netTransport = netTransport(cl, transport);
    ShopConfig parsed = new ShopConfig(host, port, workers, queue, timeout, eventLoops, grace, db,
        dbPoolSize, redis, parsedRole, taskConcurrency, taskQueue, accessLog, delay, warm);
    if (!ops && cl.getParseResult() != null && cl.getParseResult().hasMatchedOption("--ops-token")) {
      throw new ParameterException(cl, "--ops-token needs --ops");
    }
    // BULWARK_OPS_TOKEN alone configures the page for when it is on; it turns nothing on.
    String token = !ops || opsToken == null || opsToken.isEmpty() ? null : opsToken;
    try {
      return parsed.withOps(ops, token).withAdaptive(limit.equals("adaptive")).withThreads(threadKind)
          .withTransport(netTransport);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(cl, e.getMessage());
    }
  }

  private static NetTransport netTransport(CommandLine cl, String text) {
    NetTransport kind;
    try {
      kind = NetTransport.parse("--transport", text);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(cl, e.getMessage());
    }
    String unavailable = kind == NetTransport.IO_URING ? NetTransport.ioUringUnavailable() : null;
    if (unavailable != null) {
      throw new ParameterException(cl, "--transport io_uring is unavailable here: " + unavailable);
    }
    return kind;
  }

  private static ThreadKind threadKind(CommandLine cl, String text) {
    ThreadKind kind;
    switch (text) {
      case "platform" -> kind = ThreadKind.PLATFORM;
      case "virtual" -> kind = ThreadKind.VIRTUAL;
      default -> throw new ParameterException(cl, "--threads must be platform or virtual, but was '" + text + "'");
    }
    if (kind == ThreadKind.VIRTUAL && !ThreadKind.virtualThreadsAvailable()) {
      throw new ParameterException(cl, "--threads virtual needs Java 21 or later, but this JVM is Java "
          + Runtime.version().feature());
    }
    return kind;
  }

  private static ShopConfig.Role role(CommandLine cl, String text) {
    for (ShopConfig.Role r : ShopConfig.Role.values()) {
      if (r.name().equalsIgnoreCase(text)) {
        return r;
      }
    }
    throw new ParameterException(cl, "--role must be one of web, worker, all, but was '" + text + "'");
  }

  private static Duration duration(CommandLine cl, String option, String text) {
    try {
      return Durations.parse(option, text);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(cl, e.getMessage());
    }
  }

  @Override
  public Integer call() throws Exception {
    ShopConfig config = config();
    ShopLogging.Settings logging = logSettings();
    try {
      ShopLogging.apply(logging);
    } catch (IllegalStateException e) {
      throw new ParameterException(spec.commandLine(), "--log-file: " + e.getMessage());
    }
    boolean traced = tracing || ShopTracing.requested(System.getenv());
    if (traced) {
      try {
        ShopTracing.install();
      } catch (RuntimeException e) {
        throw new ParameterException(spec.commandLine(), "tracing: " + e.getMessage());
      }
    }
    try {
      shop = Shop.start(config, traced).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      spec.commandLine().getErr().println("bulwark-examples: could not start: " + e.getCause().getMessage());
      return START_FAILED;
    }
    shop.exitOnSignal();
    PrintWriter out = spec.commandLine().getOut();
    out.println("listening on http://" + displayHost(config.host()) + ":" + shop.port());
    out.flush();
    return 0;
  }

  private static String displayHost(String host) {
    return host.equals("0.0.0.0") ? "127.0.0.1" : host;
  }

  /** The command line with the one-line error handling; for main and for tests. */
  static CommandLine commandLine(ShopMain main) {
    CommandLine cl = new CommandLine(main);
    cl.setParameterExceptionHandler((ex, args) -> {
      String message = ex.getMessage() == null ? "bad arguments" : ex.getMessage().strip();
      int newline = message.indexOf('\n');
      if (newline >= 0) {
        message = message.substring(0, newline);
      }
      ex.getCommandLine().getErr().println("bulwark-examples: " + message + " (see --help)");
      return USAGE;
    });
    return cl;
  }

  /** The running shop after a successful {@link #call()}, else null. */
  Shop shop() {
    return shop;
  }

  public static void main(String[] args) {
    ShopMain main = new ShopMain();
    int status = commandLine(main).execute(args);
    if (main.shop == null) {
      System.exit(status);
    }
    // Running: Vert.x's threads keep the JVM alive until a signal drains it.
  }
}
