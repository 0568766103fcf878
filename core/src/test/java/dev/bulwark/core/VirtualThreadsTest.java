package dev.bulwark.core;

import static dev.bulwark.core.TestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Method;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;

/** Runs under both surefire executions: Java 17 checks the refusal, Java 21+ the virtual threads. */
class VirtualThreadsTest {

  private WorkerPool pool;

  @AfterEach
  void closePool() {
    if (pool != null) {
      await(pool.close(Duration.ofSeconds(1)));
    }
  }

  /** {@code Thread.isVirtual()}, called reflectively because the tests compile for Java 17. */
  private static boolean isVirtual(Thread t) {
    try {
      Method m = Thread.class.getMethod("isVirtual");
      return (Boolean) m.invoke(t);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  @EnabledForJreRange(min = JRE.JAVA_21)
  void virtual_runsTasksOnNamedVirtualThreads() {
    pool = WorkerPool.builder().name("vt").threadKind(ThreadKind.VIRTUAL).maxConcurrency(2).build();

    Thread ran = await(pool.submit(Thread::currentThread));

    assertThat(isVirtual(ran)).isTrue();
    assertThat(ran.getName()).matches("bulwark-vt-v\\d+");
    assertThat(isVirtual(Thread.currentThread())).isFalse();
  }

  @Test
  @EnabledForJreRange(min = JRE.JAVA_21)
  void virtual_stillEnforcesMaxConcurrency() throws Exception {
    int limit = 4;
    pool = WorkerPool.builder().name("vt").threadKind(ThreadKind.VIRTUAL).maxConcurrency(limit)
        .maxQueue(20_000).queueTimeout(Duration.ofHours(1)).shedEarly(false).build();

    ConcurrencyRace.Result r = ConcurrencyRace.run(pool, limit, 8, 500,
        VirtualThreadsTest::isVirtual);

    assertThat(r.firstFailure()).isNull();
    assertThat(r.maxRunning()).isEqualTo(limit);
    assertThat(r.succeeded()).isEqualTo(r.total());
  }

  @Test
  @EnabledForJreRange(max = JRE.JAVA_20)
  void virtual_beforeJava21_isRefusedAtBuild() {
    WorkerPool.Builder builder = WorkerPool.builder().threadKind(ThreadKind.VIRTUAL);

    assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("threadKind")
        .hasMessageContaining("Java " + Runtime.version().feature());
    assertThat(ThreadKind.virtualThreadsAvailable()).isFalse();
  }

  @Test
  @EnabledForJreRange(min = JRE.JAVA_21)
  void virtualThreadsAvailable_onJava21Plus() {
    assertThat(ThreadKind.virtualThreadsAvailable()).isTrue();
  }
}
