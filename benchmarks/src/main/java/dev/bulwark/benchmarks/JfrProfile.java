package dev.bulwark.benchmarks;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedMethod;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where the CPU time of a JFR recording goes: reads its {@code jdk.ExecutionSample} events (a
 * thread caught running Java code, every 10-20 ms per thread with JFR's {@code profile}
 * settings) and prints the top frames by self time, the samples per thread group, and optionally
 * writes collapsed stacks ({@code group;outer;...;inner count} per line, the input of
 * {@code flamegraph.pl}, speedscope and most flame-graph viewers). Runs on JDK 17, where
 * {@code jfr view hot-methods} does not exist yet.
 *
 * <pre>{@code
 * java -cp benchmarks/target/benchmarks.jar dev.bulwark.benchmarks.JfrProfile \
 *     [--top 25] [--collapsed out.collapsed] recording.jfr
 * }</pre>
 *
 * <p>Exit status 0, or 2 for bad arguments and 1 when the file cannot be read. Not thread-safe;
 * one instance reads one recording.
 */
public final class JfrProfile {

  static final String USAGE = "usage: JfrProfile [--top N] [--collapsed FILE] RECORDING.jfr";
  /** Default {@code --top}: 25 frames. */
  static final int DEFAULT_TOP = 25;

  // vert.x-eventloop-thread-3 -> vert.x-eventloop-thread; pool-2-thread-7 -> pool-N-thread.
  private static final Pattern DIGITS = Pattern.compile("\\d+");
  private static final Pattern LAMBDA = Pattern.compile("\\$\\$Lambda[$0-9a-fx+/]*(\\.\\d+)?");

  private final Map<String, Long> selfByFrame = new HashMap<>();
  private final Map<String, Long> totalByFrame = new HashMap<>();
  private final Map<String, Long> byThreadGroup = new HashMap<>();
  private final Map<String, Long> collapsed = new HashMap<>();
  private long samples;

  /** Adds one sampled stack (innermost frame first) taken on {@code thread}. */
  void add(String thread, List<String> framesInnermostFirst) {
    if (framesInnermostFirst.isEmpty()) {
      return;
    }
    samples++;
    String group = threadGroup(thread);
    byThreadGroup.merge(group, 1L, Long::sum);
    selfByFrame.merge(framesInnermostFirst.get(0), 1L, Long::sum);
    // A recursive method counts once per sample in its total.
    framesInnermostFirst.stream().distinct().forEach(f -> totalByFrame.merge(f, 1L, Long::sum));
    StringBuilder stack = new StringBuilder(group);
    for (int i = framesInnermostFirst.size() - 1; i >= 0; i--) {
      // ';' separates frames and ' ' ends the stack in the collapsed format; neither may occur inside one.
      stack.append(';').append(framesInnermostFirst.get(i).replace(';', ':').replace(' ', '_'));
    }
    collapsed.merge(stack.toString(), 1L, Long::sum);
  }

  /** Reads every execution sample of {@code recording}. */
  void read(Path recording) throws IOException {
    try (RecordingFile file = new RecordingFile(recording)) {
      while (file.hasMoreEvents()) {
        RecordedEvent e = file.readEvent();
        if (!e.getEventType().getName().equals("jdk.ExecutionSample")) {
          continue;
        }
        RecordedStackTrace trace = e.getStackTrace();
        if (trace == null) {
          continue;
        }
        List<String> frames = new ArrayList<>(trace.getFrames().size());
        for (RecordedFrame f : trace.getFrames()) {
          if (f.isJavaFrame()) {
            frames.add(name(f.getMethod()));
          }
        }
        RecordedThread thread = e.getThread("sampledThread");
        add(thread == null || thread.getJavaName() == null ? "?" : thread.getJavaName(), frames);
      }
    }
  }

  /** The samples read so far. */
  long samples() {
    return samples;
  }

  /** Prints the top {@code top} frames by self samples, then the samples per thread group. */
  void printReport(PrintStream out, int top) {
    out.printf(Locale.ROOT, "%d execution samples%n", samples);
    if (samples == 0) {
      out.println("no samples: was the target busy, and was the recording made with settings=profile?");
      return;
    }
    out.printf(Locale.ROOT, "%nTop %d frames by self time (share of samples where the frame was running; "
        + "total = on the stack)%n", Math.min(top, selfByFrame.size()));
    out.printf(Locale.ROOT, "%7s %7s  %s%n", "self%", "total%", "frame");
    for (Map.Entry<String, Long> e : sorted(selfByFrame, top)) {
      out.printf(Locale.ROOT, "%6.2f%% %6.2f%%  %s%n", percent(e.getValue()),
          percent(totalByFrame.get(e.getKey())), e.getKey());
    }
    out.printf(Locale.ROOT, "%nSamples by thread group%n");
    for (Map.Entry<String, Long> e : sorted(byThreadGroup, Integer.MAX_VALUE)) {
      out.printf(Locale.ROOT, "%6.2f%%  %s%n", percent(e.getValue()), e.getKey());
    }
  }

  /** Writes the collapsed stacks, most frequent first. */
  void writeCollapsed(Path file) throws IOException {
    try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      for (Map.Entry<String, Long> e : sorted(collapsed, Integer.MAX_VALUE)) {
        w.write(e.getKey());
        w.write(' ');
        w.write(Long.toString(e.getValue()));
        w.write('\n');
      }
    }
  }

  static String name(RecordedMethod m) {
    return frame(m.getType().getName(), m.getName());
  }

  /**
   * {@code type.method}, with a lambda's generated class name ({@code Foo$$Lambda$482+0x7f64.15469})
   * cut to {@code Foo$$Lambda}: the numbers change with every run and would split one frame of a
   * flame graph into many.
   */
  static String frame(String type, String method) {
    return LAMBDA.matcher(type).replaceAll("\\$\\$Lambda") + "." + method;
  }

  static String threadGroup(String thread) {
    return DIGITS.matcher(thread).replaceAll("N").replace(' ', '_').replace(';', ':');
  }

  private double percent(long count) {
    return 100.0 * count / samples;
  }

  private static List<Map.Entry<String, Long>> sorted(Map<String, Long> counts, int limit) {
    return counts.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()).thenComparing(Map.Entry.comparingByKey()))
        .limit(limit)
        .toList();
  }

  public static void main(String[] args) {
    int top = DEFAULT_TOP;
    Path collapsedFile = null;
    Path recording = null;
    try {
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--top" -> {
            top = Integer.parseInt(value(args, ++i, "--top"));
            if (top < 1) {
              throw new IllegalArgumentException("--top must be >= 1, but was " + top);
            }
          }
          case "--collapsed" -> collapsedFile = Path.of(value(args, ++i, "--collapsed"));
          default -> {
            if (args[i].startsWith("--") || recording != null) {
              throw new IllegalArgumentException("unexpected argument '" + args[i] + "'");
            }
            recording = Path.of(args[i]);
          }
        }
      }
      if (recording == null) {
        throw new IllegalArgumentException("a recording file is required");
      }
    } catch (IllegalArgumentException e) {
      System.err.println("JfrProfile: " + e.getMessage() + "; " + USAGE);
      System.exit(2);
      return;
    }
    JfrProfile profile = new JfrProfile();
    try {
      profile.read(recording);
      profile.printReport(System.out, top);
      if (collapsedFile != null) {
        profile.writeCollapsed(collapsedFile);
        System.out.printf(Locale.ROOT, "%ncollapsed stacks: %s%n", collapsedFile);
      }
    } catch (IOException e) {
      System.err.println("JfrProfile: cannot read " + recording + ": " + e.getMessage());
      System.exit(1);
    }
  }

  private static String value(String[] args, int i, String option) {
    if (i >= args.length) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return args[i];
  }
}
