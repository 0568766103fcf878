package dev.bulwark.tasks.impl;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Group commit: a lone call goes at once, calls made meanwhile go together, replies map in order. */
class ScriptBatchTest {

  private final List<List<Object>> sent = new ArrayList<>();
  private final List<Promise<List<Object>>> replies = new ArrayList<>();
  private final ScriptBatch batch = new ScriptBatch(3, args -> {
    sent.add(Arrays.asList(args));
    Promise<List<Object>> p = Promise.promise();
    replies.add(p);
    return p.future();
  });

  @Test
  void callsWhileAGroupIsInFlight_goTogetherInTheNext() {
    Future<Object> a = batch.call("a", 1);
    assertThat(sent).containsExactly(List.of("a", 1));
    Future<Object> b = batch.call("b", 2);
    Future<Object> c = batch.call("c", 3);
    Future<Object> d = batch.call("d", 4);
    Future<Object> e = batch.call("e", 5);
    assertThat(sent).hasSize(1);

    replies.get(0).complete(List.of("A"));
    assertThat(a.result()).isEqualTo("A");
    assertThat(sent).hasSize(2);
    assertThat(sent.get(1)).containsExactly("b", 2, "c", 3, "d", 4);

    replies.get(1).complete(List.of("B", "C", "D"));
    assertThat(List.of(b.result(), c.result(), d.result())).containsExactly("B", "C", "D");
    assertThat(sent.get(2)).containsExactly("e", 5);
    replies.get(2).fail(new IllegalStateException("redis down"));
    assertThat(e.cause()).hasMessage("redis down");

    Future<Object> f = batch.call("f", 6);
    assertThat(sent).hasSize(4);
    replies.get(3).complete(List.of());
    assertThat(f.cause()).hasMessageContaining("answered 0 results for 1 calls");
  }
}
