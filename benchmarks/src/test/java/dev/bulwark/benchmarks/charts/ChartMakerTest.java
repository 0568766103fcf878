package dev.bulwark.benchmarks.charts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The chart maker renders real PNG files from sample results of each kind it reads. */
class ChartMakerTest {

  @TempDir
  Path results;
  @TempDir
  Path out;

  @BeforeAll
  static void headless() {
    System.setProperty("java.awt.headless", "true");
  }

  @Test
  void loadResults_becomeABarChartAndACurve() throws Exception {
    Files.writeString(results.resolve("startup.properties"), String.join("\n",
        "script=startup", "command=RUNS=10 benchmarks/load/startup.sh", "date=2026-11-30T06:00:00Z",
        "jdk=openjdk version 17.0.15 2025-04-15", "cores=2", "runs=10",
        "startup.jdk17.wall.none.median_ms=2900", "startup.jdk17.wall.cds.median_ms=1500",
        "startup.jdk25.cpu.none.median_ms=3100", "startup.jdk25.cpu.cds.median_ms=1700",
        "startup.jdk25.cpu.aot.median_ms=1400",
        "curve.jdk17.plain=7200,11400,15400", "curve.jdk17.cds+warm-up=14000,15600,15800", ""));
    Files.writeString(results.resolve("threads.properties"), String.join("\n",
        "script=threads", "jdk=openjdk version 25", "cores=2",
        "blocking-c64.a=virtual threads", "blocking-c64.b=platform threads",
        "blocking-c64.a_rps=3100", "blocking-c64.b_rps=3050", "blocking-c64.ratio=1.016", ""));

    List<Path> written = new ChartMaker(results, out).run();

    assertThat(written).extracting(p -> p.getFileName().toString())
        .containsExactly("bench-startup.png", "bench-startup-curve.png", "bench-threads.png");
    for (Path png : written) {
      assertDrawn(png);
    }
  }

  @Test
  void exportAndAdaptiveResults_becomeBarCharts() throws Exception {
    Files.writeString(results.resolve("export-vs-copy.properties"), String.join("\n",
        "script=export-vs-copy", "jdk=openjdk version 17.0.15 2025-04-15", "cores=2",
        "ndjson_rps=1666233", "csv_rps=2348498", "copy_rps=1385042", "ratio_ndjson=1.20",
        "ratio_csv=1.70", "peak_heap_mb=43", ""));
    Files.writeString(results.resolve("adaptive.properties"), String.join("\n",
        "script=adaptive", "jdk=openjdk version 17.0.15 2025-04-15", "cores=2",
        "fixed.healthy.p99_200_ms=27.78", "fixed.slow.p99_200_ms=615.48",
        "adaptive.healthy.p99_200_ms=29.19", "adaptive.slow.p99_200_ms=51.69",
        "fixed.slow_over_healthy=22.16", ""));

    List<Path> written = new ChartMaker(results, out).run();

    assertThat(written).extracting(p -> p.getFileName().toString())
        .containsExactly("bench-adaptive.png", "bench-export-vs-copy.png");
    for (Path png : written) {
      assertDrawn(png);
    }
  }

  @Test
  void malformedExportFigure_isRefusedNamingTheKey() throws Exception {
    Files.writeString(results.resolve("export-vs-copy.properties"), "csv_rps=\ncopy_rps=100\n");

    assertThatThrownBy(() -> new ChartMaker(results, out).run())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("export-vs-copy.properties")
        .hasMessageContaining("csv_rps must be a number, but was ''");
  }

  @Test
  void jmhJsonAndInterleavedRuns_becomeBarCharts() throws Exception {
    Files.writeString(results.resolve("jmh-WorkerPoolDispatch.json"), """
        [{"jmhVersion":"1.37","benchmark":"dev.bulwark.benchmarks.WorkerPoolDispatchBenchmark.dispatch",
          "mode":"thrpt","jdkVersion":"17.0.15","vmName":"OpenJDK 64-Bit Server VM","params":{"impl":"bulwark"},
          "primaryMetric":{"score":812345.5,"scoreError":1234.5,"scoreUnit":"ops/s"}},
         {"jmhVersion":"1.37","benchmark":"dev.bulwark.benchmarks.WorkerPoolDispatchBenchmark.dispatch",
          "mode":"thrpt","jdkVersion":"17.0.15","vmName":"OpenJDK 64-Bit Server VM","params":{"impl":"executeBlocking"},
          "primaryMetric":{"score":402345.5,"scoreError":2234.5,"scoreUnit":"ops/s"}}]
        """);
    Files.writeString(results.resolve("interleave-CacheHit.tsv"),
        "1\tbenchmarks.jar\tbulwark\t1000000\t900\t0.01\t1.5\t06:00:00\n"
            + "2\tbenchmarks.jar\tbulwark\t1200000\t880\t0.01\t1.4\t06:01:00\n"
            + "1\tbenchmarks.jar\tspring\t800000\t1100\t0.01\t1.5\t06:00:30\n");
    Files.writeString(results.resolve("README.md"), "not a results file");

    List<Path> written = new ChartMaker(results, out).run();

    assertThat(written).extracting(p -> p.getFileName().toString())
        .containsExactly("bench-interleave-cachehit.png", "bench-jmh-workerpooldispatch.png");
    for (Path png : written) {
      assertDrawn(png);
    }
  }

  @Test
  void malformedValue_isRefusedNamingTheFileAndTheKey() throws Exception {
    Files.writeString(results.resolve("hello-vs-bare.properties"), "a_rps=fast\nb_rps=100\n");

    assertThatThrownBy(() -> new ChartMaker(results, out).run())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("hello-vs-bare.properties")
        .hasMessageContaining("a_rps must be a number, but was 'fast'");
  }

  private static void assertDrawn(Path png) throws Exception {
    BufferedImage image = ImageIO.read(png.toFile());
    assertThat(image).as(png.toString()).isNotNull();
    assertThat(image.getWidth()).isGreaterThan(100);
    int coloured = 0;
    for (int x = 0; x < image.getWidth(); x += 3) {
      for (int y = 0; y < image.getHeight(); y += 3) {
        int rgb = image.getRGB(x, y) & 0xffffff;
        int r = rgb >> 16;
        int b = rgb & 0xff;
        if (Math.abs(r - b) > 60) {
          coloured++;
        }
      }
    }
    assertThat(coloured).as("coloured pixels (bars or lines) in " + png).isGreaterThan(50);
  }
}
