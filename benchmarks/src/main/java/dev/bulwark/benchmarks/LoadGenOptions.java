package dev.bulwark.benchmarks;

import dev.bulwark.core.Durations;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The command line of {@link LoadGen}, parsed and checked. Immutable and thread-safe.
 *
 * @param url the target, {@code http://} on a loopback host only
 * @param rate requests per second, scheduled at fixed intervals
 * @param duration how long requests are scheduled and measured, after the warmup
 * @param warmup how long requests are scheduled at the same rate before measuring, not counted
 * @param connections the largest number of HTTP/1.1 connections the client opens
 * @param timeout how long one request may take in all (connection, queueing, response)
 * @param eventLoops the client's event loops
 * @param then further phases, in order: after {@code url}'s {@code duration}, the same schedule
 *     goes on against each of these for another {@code duration} (one client, so no phase pays for
 *     a cold generator), each measured and reported on its own; empty for one phase
 */
public record LoadGenOptions(URI url, double rate, Duration duration, Duration warmup,
    int connections, Duration timeout, int eventLoops, List<URI> then) {

  public LoadGenOptions {
    then = List.copyOf(then);
  }

  /** Default {@code --connections}: 512, so the client's pool is never what limits the load. */
  public static final int DEFAULT_CONNECTIONS = 512;
  /** Default {@code --duration}: 30 s. */
  public static final Duration DEFAULT_DURATION = Duration.ofSeconds(30);
  /** Default {@code --warmup}: none. */
  public static final Duration DEFAULT_WARMUP = Duration.ZERO;
  /** Default {@code --timeout}: 10 s per request. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
  /** Default {@code --event-loops}: 1, plenty for tens of thousands of requests per second. */
  public static final int DEFAULT_EVENT_LOOPS = 1;
  /** Highest accepted {@code --rate}, requests per second. */
  public static final double MAX_RATE = 1_000_000;

  static final String USAGE = "usage: LoadGen --url http://127.0.0.1:PORT/PATH --rate R"
      + " [--duration 30s] [--warmup 0s] [--connections 512] [--timeout 10s] [--event-loops 1]"
      + " [--then http://127.0.0.1:PORT/PATH ...]";

  private static final Set<String> LOOPBACK = Set.of("127.0.0.1", "localhost", "::1", "[::1]");

  /** The host to connect to, without IPv6 brackets. */
  public String host() {
    String h = url.getHost();
    return h.startsWith("[") ? h.substring(1, h.length() - 1) : h;
  }

  /** The port to connect to (80 when the URL names none). */
  public int port() {
    return url.getPort() < 0 ? 80 : url.getPort();
  }

  /** The request target: path and query, {@code /} when the URL has no path. */
  public String requestUri() {
    String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
    return url.getRawQuery() == null ? path : path + "?" + url.getRawQuery();
  }

  /** The number of phases: 1 plus one per {@code --then}. */
  public int phases() {
    return 1 + then.size();
  }

  /**
   * The options of phase {@code index} (0-based) on its own: its URL, no further phases, and the
   * warmup only for the first.
   *
   * @throws IndexOutOfBoundsException unless {@code 0 <= index < phases()}
   */
  public LoadGenOptions phase(int index) {
    URI u = index == 0 ? url : then.get(index - 1);
    // Only the first phase follows the warmup; the others follow the phase before them.
    return new LoadGenOptions(u, rate, duration, index == 0 ? warmup : Duration.ZERO, connections,
        timeout, eventLoops, List.of());
  }

  /**
   * Parses a command line.
   *
   * @throws IllegalArgumentException naming the option, the rule and the value when one is wrong
   */
  public static LoadGenOptions parse(String... args) {
    URI url = null;
    double rate = Double.NaN;
    Duration duration = DEFAULT_DURATION;
    Duration warmup = DEFAULT_WARMUP;
    int connections = DEFAULT_CONNECTIONS;
    Duration timeout = DEFAULT_TIMEOUT;
    int eventLoops = DEFAULT_EVENT_LOOPS;
    List<URI> then = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String option = args[i];
      if (!option.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument '" + option + "'; " + USAGE);
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(option + " needs a value; " + USAGE);
      }
      String value = args[++i];
      switch (option) {
        case "--url":
          url = loopbackUrl(option, value);
          break;
        case "--then":
          then.add(loopbackUrl(option, value));
          break;
        case "--rate":
          rate = rate(value);
          break;
        case "--duration":
          duration = positive(option, Durations.parse(option, value), value);
          break;
        case "--warmup":
          warmup = Durations.parse(option, value);
          break;
        case "--connections":
          connections = intAtLeast(option, value, 1);
          break;
        case "--timeout":
          timeout = positive(option, Durations.parse(option, value), value);
          break;
        case "--event-loops":
          eventLoops = intAtLeast(option, value, 1);
          break;
        default:
          throw new IllegalArgumentException("unknown option '" + option + "'; " + USAGE);
      }
    }
    if (url == null) {
      throw new IllegalArgumentException("--url is required; " + USAGE);
    }
    if (Double.isNaN(rate)) {
      throw new IllegalArgumentException("--rate is required; " + USAGE);
    }
    return new LoadGenOptions(url, rate, duration, warmup, connections, timeout, eventLoops, then);
  }

  /** An {@code http://} URL on 127.0.0.1, localhost or ::1; anything else is refused. */
  static URI loopbackUrl(String option, String text) {
    URI uri;
    try {
      uri = new URI(text);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(option + " must be a URL such as http://127.0.0.1:8080/hello,"
          + " but was '" + text + "'");
    }
    if (!"http".equalsIgnoreCase(uri.getScheme())) {
      throw new IllegalArgumentException(option + " must use http://, but was '" + text + "'");
    }
    String host = uri.getHost();
    if (host == null || !LOOPBACK.contains(host.toLowerCase(Locale.ROOT))) {
      throw new IllegalArgumentException(option + " must target a loopback host (127.0.0.1, localhost"
          + " or [::1]); this tool never loads another machine, but was '" + text + "'");
    }
    return uri;
  }

  private static double rate(String text) {
    double r;
    try {
      r = Double.parseDouble(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--rate must be a number of requests per second, but was '"
          + text + "'");
    }
    if (!(r > 0) || r > MAX_RATE) {
      throw new IllegalArgumentException("--rate must be > 0 and <= " + (long) MAX_RATE
          + " requests per second, but was " + text);
    }
    return r;
  }

  private static Duration positive(String option, Duration d, String text) {
    if (d.isZero()) {
      throw new IllegalArgumentException(option + " must be > 0, but was '" + text + "'");
    }
    return d;
  }

  private static int intAtLeast(String option, String text, int min) {
    int v;
    try {
      v = Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + " must be an integer, but was '" + text + "'");
    }
    if (v < min) {
      throw new IllegalArgumentException(option + " must be >= " + min + ", but was " + v);
    }
    return v;
  }
}
