package dev.bulwark.core;

/** The kind of thread a {@link WorkerPool} runs its tasks on. */
public enum ThreadKind {

  /** Ordinary platform threads, created on demand up to the pool's limit and kept for 60 s idle. */
  PLATFORM,

  /**
   * Virtual threads, one per task (Java 21 or later). The pool's admission limits still apply:
   * the database or the downstream service, not the thread count, is the real bound.
   */
  VIRTUAL;

  /** Whether the running JVM can create virtual threads (Java 21 or later). */
  public static boolean virtualThreadsAvailable() {
    return Runtime.version().feature() >= 21;
  }
}
