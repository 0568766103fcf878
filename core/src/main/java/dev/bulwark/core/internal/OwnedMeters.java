package dev.bulwark.core.internal;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The meters one component registered, so that it removes them when it closes: a closed pool,
 * cache or server leaves nothing in the registry, and one created again under the same name gets
 * fresh meters instead of a gauge still reading the dead object (Micrometer hands back an
 * existing meter for an existing id). Without a registry it holds nothing. Thread-safe.
 *
 * <p>Benign race: a meter added while {@link #removeAll} runs is removed either by it or by
 * {@link #add}, which removes at once what is added after the close; removing twice is harmless.
 */
public final class OwnedMeters {

  private final MeterRegistry registry;
  private final Queue<Meter> meters = new ConcurrentLinkedQueue<>();
  private volatile boolean closed;

  /** @param registry where the meters are registered, or {@code null} for none */
  public OwnedMeters(MeterRegistry registry) {
    this.registry = registry;
  }

  /** The registry, or {@code null}. */
  public MeterRegistry registry() {
    return registry;
  }

  /** Keeps {@code meter} (just registered in {@link #registry()}) for {@link #removeAll}. */
  public <M extends Meter> M add(M meter) {
    meters.add(meter);
    if (closed) {
      removeAll();
    }
    return meter;
  }

  /** Removes every meter added so far, and from now on each one as it is added. */
  public void removeAll() {
    closed = true;
    if (registry == null) {
      return;
    }
    Meter m;
    while ((m = meters.poll()) != null) {
      registry.remove(m);
    }
  }
}
