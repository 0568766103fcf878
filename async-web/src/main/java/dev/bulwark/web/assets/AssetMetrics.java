package dev.bulwark.web.assets;

import dev.bulwark.core.internal.OwnedMeters;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The meters of one {@code StaticAssets}, tagged {@code name}: requests answered, files served
 * (200 and 206 with a body), body bytes sent, 304s and compressed responses. The 304 share is
 * {@code not.modified / requests}, the compressed share {@code compressed / files}. Removed from
 * the registry by {@link #close}. Thread-safe; counters are updated on event loops.
 */
public final class AssetMetrics {

  private final OwnedMeters meters;
  final Counter requests;
  final Counter files;
  final Counter bytes;
  final Counter notModified;
  final Counter compressed;

  /** Registers the meters in {@code registry}; a {@code null} registry records nothing. */
  public AssetMetrics(MeterRegistry registry, String name) {
    MeterRegistry r = registry != null ? registry : new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    this.meters = new OwnedMeters(r);
    requests = add(Counter.builder("bulwark.assets.requests").tag("name", name)
        .description("Requests answered by the static asset handler, any status").register(r));
    files = add(Counter.builder("bulwark.assets.files").tag("name", name)
        .description("Responses that carried a file (200 or 206, GET)").register(r));
    bytes = add(Counter.builder("bulwark.assets.bytes").tag("name", name).baseUnit("bytes")
        .description("Body bytes of served files, after compression").register(r));
    notModified = add(Counter.builder("bulwark.assets.not.modified").tag("name", name)
        .description("304 Not Modified answers").register(r));
    compressed = add(Counter.builder("bulwark.assets.compressed").tag("name", name)
        .description("Responses sent with a Content-Encoding (br or gzip)").register(r));
  }

  private Counter add(Counter c) {
    return meters.add(c);
  }

  /** Removes the meters from the registry. */
  public void close() {
    meters.removeAll();
  }
}
