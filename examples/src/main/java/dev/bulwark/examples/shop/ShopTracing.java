package dev.bulwark.examples.shop;

import ch.qos.logback.classic.LoggerContext;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.vertx.core.VertxOptions;
import io.vertx.tracing.opentelemetry.OpenTelemetryOptions;
import java.util.Locale;
import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * The shop's tracing: on with {@code --tracing}, or when the environment names a trace exporter
 * or an OTLP endpoint. The SDK is configured from the standard OpenTelemetry variables
 * ({@code OTEL_SERVICE_NAME}, {@code OTEL_TRACES_EXPORTER}, {@code OTEL_EXPORTER_OTLP_ENDPOINT},
 * {@code OTEL_TRACES_SAMPLER}...) by the SDK's autoconfigure module and installed as
 * {@code GlobalOpenTelemetry}, where Vert.x's integration (server spans, {@code traceparent}) and
 * Bulwark's spans both find it. The shop's own defaults, which those variables override: service
 * name {@value #SERVICE_NAME}, OTLP over {@code http/protobuf} (the JDK's HTTP client), and no
 * metrics or logs export (Prometheus and the log files have those). Not thread-safe: call from
 * {@code main} before the shop starts.
 */
final class ShopTracing {

  /** The default service name. */
  static final String SERVICE_NAME = "bulwark-shop";

  private static final Map<String, String> DEFAULTS = Map.of(
      "otel.service.name", SERVICE_NAME,
      "otel.exporter.otlp.protocol", "http/protobuf",
      "otel.metrics.exporter", "none",
      "otel.logs.exporter", "none");

  private ShopTracing() {
  }

  /**
   * Whether {@code env} asks for tracing: {@code OTEL_TRACES_EXPORTER} other than {@code none},
   * or an OTLP endpoint ({@code OTEL_EXPORTER_OTLP_ENDPOINT} or {@code _TRACES_ENDPOINT}); never
   * when {@code OTEL_SDK_DISABLED} is {@code true}.
   */
  static boolean requested(Map<String, String> env) {
    if ("true".equalsIgnoreCase(env.get("OTEL_SDK_DISABLED"))) {
      return false;
    }
    String exporter = env.get("OTEL_TRACES_EXPORTER");
    if (exporter != null && !exporter.isBlank()) {
      return !exporter.strip().toLowerCase(Locale.ROOT).equals("none");
    }
    return present(env, "OTEL_EXPORTER_OTLP_ENDPOINT") || present(env, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
  }

  private static boolean present(Map<String, String> env, String name) {
    String v = env.get(name);
    return v != null && !v.isBlank();
  }

  /**
   * Configures the SDK from the environment and system properties, installs it as
   * {@code GlobalOpenTelemetry} (with a shutdown hook that flushes what is buffered), and puts the
   * current span's ids into each log event ({@link TraceIdsFilter}).
   *
   * @throws io.opentelemetry.sdk.autoconfigure.spi.ConfigurationException for a bad variable,
   *     naming it
   */
  static OpenTelemetrySdk install() {
    OpenTelemetrySdk sdk = AutoConfiguredOpenTelemetrySdk.builder()
        .addPropertiesSupplier(() -> DEFAULTS)
        .setResultAsGlobal()
        .build()
        .getOpenTelemetrySdk();
    TraceIdsFilter.install((LoggerContext) LoggerFactory.getILoggerFactory());
    return sdk;
  }

  /** {@code options} with Vert.x's OpenTelemetry tracing on (server spans, propagation). */
  static VertxOptions traced(VertxOptions options) {
    return options.setTracingOptions(new OpenTelemetryOptions());
  }
}
