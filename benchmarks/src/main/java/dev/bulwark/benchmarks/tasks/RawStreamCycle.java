package dev.bulwark.benchmarks.tasks;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.redisson.Redisson;
import org.redisson.api.RStream;
import org.redisson.api.RedissonClient;
import org.redisson.api.StreamMessageId;
import org.redisson.api.stream.StreamAddArgs;
import org.redisson.api.stream.StreamCreateGroupArgs;
import org.redisson.api.stream.StreamReadGroupArgs;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;

/**
 * The floor under a Redis-backed task queue: the bare Redis Streams cycle with a consumer group,
 * through the same client (Redisson). Producers {@code XADD} an entry each, at most 1000
 * unanswered at a time; {@code concurrency} consumers each loop on {@code XREADGROUP ... >}
 * (up to 100 entries, blocking 100 ms) and {@code XACK} what they read in one command. No status,
 * no retries, no trimming: what a queue does beyond this is its overhead. Not thread-safe: one
 * {@link #run} at a time.
 */
final class RawStreamCycle implements AutoCloseable {

  private final RedissonClient client;
  private final int consumers;
  private final RStream<String, String> stream;
  private final String group = "workers";

  RawStreamCycle(String redisUrl, int consumers) {
    Config config = new Config();
    config.useSingleServer().setAddress(redisUrl);
    this.client = Redisson.create(config);
    this.consumers = consumers;
    this.stream = client.getStream("bulwark-load-raw-" + UUID.randomUUID(), StringCodec.INSTANCE);
  }

  /** Adds, reads and acknowledges {@code entries} entries; cycles per second. */
  double run(int entries) throws InterruptedException {
    stream.createGroup(StreamCreateGroupArgs.name(group).makeStream());
    CountDownLatch acked = new CountDownLatch(entries);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread[] threads = new Thread[consumers];
    long start = System.nanoTime();
    for (int c = 0; c < consumers; c++) {
      String name = "c" + c;
      threads[c] = new Thread(() -> consume(name, acked, failure), "raw-consumer-" + c);
      threads[c].setDaemon(true);
      threads[c].start();
    }
    Semaphore inFlight = new Semaphore(1000);
    for (int i = 0; i < entries && failure.get() == null; i++) {
      inFlight.acquire();
      stream.addAsync(StreamAddArgs.entry("payload", "{\"submittedNanos\":" + System.nanoTime() + "}"))
          .whenComplete((id, e) -> {
            inFlight.release();
            if (e != null) {
              failure.compareAndSet(null, e);
            }
          });
    }
    boolean finished = acked.await(300, TimeUnit.SECONDS);
    double rate = entries / ((System.nanoTime() - start) / 1e9);
    for (Thread t : threads) {
      t.interrupt();
    }
    if (failure.get() != null) {
      throw new IllegalStateException("raw stream cycle failed", failure.get());
    }
    if (!finished) {
      throw new IllegalStateException("raw stream cycle: " + acked.getCount() + " not acked after 300 s");
    }
    return rate;
  }

  private void consume(String consumer, CountDownLatch acked, AtomicReference<Throwable> failure) {
    StreamReadGroupArgs args = StreamReadGroupArgs.neverDelivered().count(100)
        .timeout(Duration.ofMillis(100));
    while (acked.getCount() > 0 && !Thread.currentThread().isInterrupted()) {
      try {
        Map<StreamMessageId, Map<String, String>> batch = stream.readGroup(group, consumer, args);
        if (batch == null || batch.isEmpty()) {
          continue;
        }
        stream.ack(group, batch.keySet().toArray(new StreamMessageId[0]));
        for (int i = 0; i < batch.size(); i++) {
          acked.countDown();
        }
      } catch (RuntimeException e) {
        if (!Thread.currentThread().isInterrupted()) {
          failure.compareAndSet(null, e);
        }
        return;
      }
    }
  }

  @Override
  public void close() {
    try {
      stream.delete();
    } finally {
      client.shutdown();
    }
  }
}
