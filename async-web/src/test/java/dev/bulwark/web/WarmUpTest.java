package dev.bulwark.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bulwark.cache.Cached;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The warm-up runs the server's own routes through the whole request path before the server
 * listens: while it runs the server is STARTING and its port is not bound; it stops at its count.
 */
@ExtendWith(VertxExtension.class)
class WarmUpTest {

  private BulwarkServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      Http.await(server.drain());
    }
  }

  public class Handlers {
    final AtomicInteger worker = new AtomicInteger();
    final AtomicInteger cachedLoads = new AtomicInteger();
    final List<String> seen = new CopyOnWriteArrayList<>();

    @Get("/work/{id}")
    public String work(@PathParam("id") long id) {
      seen.add(server.state() + " port " + server.port());
      worker.incrementAndGet();
      return "w" + id;
    }

    @Get("/cached")
    @Cached(ttl = "60s")
    public String cached() {
      cachedLoads.incrementAndGet();
      return "c";
    }
  }

  @Test
  void warmUp_exercisesRoutesBeforeListeningAndStopsAtItsCount(Vertx vertx) {
    Handlers handlers = new Handlers();
    server = BulwarkServer.create(vertx, ServerOptions.builder().port(0).host("127.0.0.1")
        .eventLoops(1).drainGrace(Duration.ofSeconds(2))
        .warmUp(WarmUp.builder().paths("/work/1", "/cached").maxRequests(40).concurrency(4)
            .maxDuration(Duration.ofMinutes(1)).build())
        .build()).handler(handlers);

    Http.await(server.start());

    assertThat(handlers.worker).as("half of 40 requests went to /work/1").hasValue(20);
    assertThat(handlers.seen).as("served before the port was bound").containsOnly("STARTING port -1");
    assertThat(handlers.cachedLoads).as("the cached route was primed, once").hasValue(1);
    Http.send(Http.newClient(), Http.request(server.port(), "/cached").build());
    assertThat(handlers.cachedLoads).as("served from the primed cache").hasValue(1);
    assertThat(Http.send(Http.newClient(), Http.request(server.port(), "/ready").build()).statusCode())
        .isEqualTo(200);
  }
}
