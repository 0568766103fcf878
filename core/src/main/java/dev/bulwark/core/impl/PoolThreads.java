package dev.bulwark.core.impl;

import dev.bulwark.core.ThreadKind;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Thread sources for worker pools, and the one timer thread that enforces queue deadlines and
 * close graces for every pool. Thread-safe.
 *
 * <p>Virtual threads are created through method handles looked up once, because the code is
 * compiled for Java 17 and runs on 21+ where they exist.
 */
final class PoolThreads {

  /** Queue deadlines and close graces of every pool; its tasks only move tasks and fail futures. */
  static final ScheduledThreadPoolExecutor TIMER = timer();

  private PoolThreads() {
  }

  static ExecutorService executor(String pool, ThreadKind kind, int threads) {
    if (kind == ThreadKind.VIRTUAL) {
      return virtualExecutor("bulwark-" + pool + "-v");
    }
    AtomicInteger seq = new AtomicInteger();
    ThreadFactory factory = r -> {
      Thread t = new Thread(r, "bulwark-" + pool + "-" + seq.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
    ThreadPoolExecutor tpe = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), factory);
    tpe.allowCoreThreadTimeOut(true);
    return tpe;
  }

  private static ExecutorService virtualExecutor(String prefix) {
    try {
      MethodHandles.Lookup lookup = MethodHandles.publicLookup();
      Class<?> builderClass = Class.forName("java.lang.Thread$Builder");
      Class<?> ofVirtual = Class.forName("java.lang.Thread$Builder$OfVirtual");
      Object builder = lookup.findStatic(Thread.class, "ofVirtual", MethodType.methodType(ofVirtual))
          .invoke();
      MethodHandle name = lookup.findVirtual(builderClass, "name",
          MethodType.methodType(builderClass, String.class, long.class));
      builder = name.invoke(builder, prefix, 1L);
      ThreadFactory factory = (ThreadFactory) lookup.findVirtual(builderClass, "factory",
          MethodType.methodType(ThreadFactory.class)).invoke(builder);
      return (ExecutorService) lookup.findStatic(java.util.concurrent.Executors.class,
          "newThreadPerTaskExecutor", MethodType.methodType(ExecutorService.class, ThreadFactory.class))
          .invoke(factory);
    } catch (Throwable e) {
      throw new IllegalStateException("threadKind VIRTUAL could not create virtual threads on Java "
          + Runtime.version() + ": " + e, e);
    }
  }

  private static ScheduledThreadPoolExecutor timer() {
    ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
      Thread thread = new Thread(r, "bulwark-pool-timer");
      thread.setDaemon(true);
      return thread;
    });
    t.setRemoveOnCancelPolicy(true);
    return t;
  }
}
