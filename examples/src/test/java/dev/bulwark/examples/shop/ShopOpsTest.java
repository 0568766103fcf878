package dev.bulwark.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The ops page over HTTP: off by default (404), loopback clients only without a token (403 for
 * another address, a foreign {@code Host} or a cross-origin change), the token required from
 * everyone once set (403 without it or with a wrong one), the state's contents, and retry and
 * discard of dead tasks. Three shops: without {@code --ops}, with it, and with a token, the last
 * two bound to every address so that a non-loopback address of this machine can be tried.
 */
class ShopOpsTest {

  private static final String TOKEN = "s3cret-ops-token-0123456789";
  private static final Pattern SCRIPT = Pattern.compile("src=\"(/ops/static/ops\\.[0-9a-f]+\\.js)\"");
  private static final HttpClient CLIENT = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5)).build();
  private static Shop off;
  private static Shop loopback;
  private static Shop token;

  @BeforeAll
  static void start() throws Exception {
    off = OpsFixture.start("opsoff", "127.0.0.1", false, null);
    loopback = OpsFixture.start("opsloopback", "0.0.0.0", true, null);
    token = OpsFixture.start("opstoken", "0.0.0.0", true, TOKEN);
  }

  @AfterAll
  static void stop() throws Exception {
    for (Shop s : new Shop[] {off, loopback, token}) {
      if (s != null) {
        s.drain().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
    }
  }

  private static HttpResponse<String> send(String host, Shop shop, String method, String path,
      String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + host + ":" + shop.port() + path))
        .method(method, HttpRequest.BodyPublishers.noBody());
    if (headers.length > 0) {
      b.headers(headers);
    }
    return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> send(Shop shop, String method, String path, String... headers)
      throws Exception {
    return send("127.0.0.1", shop, method, path, headers);
  }

  private static JsonObject state(Shop shop, String... headers) throws Exception {
    HttpResponse<String> r = send(shop, "GET", "/ops/api/state", headers);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(r.headers().firstValue("cache-control")).hasValue("no-store");
    return new JsonObject(r.body());
  }

  private static void assertRefused(HttpResponse<String> r, String message) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(403);
    assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(new JsonObject(r.body()).getString("error")).contains(message);
  }

  @ParameterizedTest
  @ValueSource(strings = {"GET /ops", "GET /ops/api/state", "POST /ops/api/tasks/abc/retry",
      "GET /ops/static/ops.js"})
  void off_everyOpsPathIs404(String request) throws Exception {
    String[] parts = request.split(" ");
    HttpResponse<String> r = send(off, parts[0], parts[1]);

    assertThat(r.statusCode()).as(r.body()).isEqualTo(404);
    assertThat(new JsonObject(r.body()).getString("error")).isNotBlank();
  }

  @Test
  void page_isHtmlLinkingItsFingerprintedScript() throws Exception {
    HttpResponse<String> page = send(loopback, "GET", "/ops");

    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
    assertThat(page.headers().firstValue("cache-control")).hasValue("no-store");
    assertThat(page.headers().firstValue("content-security-policy").orElseThrow())
        .contains("default-src 'self'", "frame-ancestors 'none'");
    assertThat(page.body()).contains("data-token-required=\"false\"", "id=\"dead\"");
    Matcher m = SCRIPT.matcher(page.body());
    assertThat(m.find()).as(page.body()).isTrue();
    HttpResponse<String> script = send(loopback, "GET", m.group(1));
    assertThat(script.statusCode()).isEqualTo(200);
    assertThat(script.body()).contains("/ops/api/state");
    assertThat(script.headers().firstValue("cache-control").orElseThrow()).contains("immutable");
    HttpResponse<String> head = send(loopback, "HEAD", "/ops/api/state");
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
  }

  @Test
  void state_showsPoolsDatabasesCachesAndTheQueue() throws Exception {
    // One miss then one hit on the response cache.
    assertThat(send(loopback, "GET", "/products/5/cached").statusCode()).isEqualTo(200);
    assertThat(send(loopback, "GET", "/products/5/cached").statusCode()).isEqualTo(200);

    JsonObject state = state(loopback);

    JsonObject pool = state.getJsonArray("workerPools").getJsonObject(0);
    assertThat(pool.getString("name")).isEqualTo("default");
    assertThat(pool.getInteger("limit")).isEqualTo(4);
    assertThat(pool.getInteger("maxQueue")).isEqualTo(8);
    assertThat(pool.fieldNames()).contains("active", "queued", "rejected", "completed");
    assertThat(state.getJsonArray("databases").stream().map(o -> ((JsonObject) o).getString("name")))
        .containsExactly("shop", "shop-export");
    JsonObject db = state.getJsonArray("databases").getJsonObject(0);
    assertThat(db.getInteger("max")).isEqualTo(4);
    assertThat(db.getBoolean("up")).isTrue();
    assertThat(db.fieldNames()).contains("active", "idle", "pending", "loopReads");
    assertThat(db.getInteger("loopReads")).as("no read in flight at rest").isZero();
    JsonObject caches = state.getJsonObject("caches");
    assertThat(caches.getString("breaker")).isEqualTo("DISABLED");
    assertThat(caches.getString("status")).isEqualTo("UP");
    JsonObject used = caches.getJsonArray("caches").stream().map(o -> (JsonObject) o)
        .filter(c -> c.getLong("hits") >= 1 && c.getLong("misses") >= 1).findFirst().orElseThrow();
    assertThat(used.getDouble("hitRatio"))
        .isEqualTo((double) used.getLong("hits") / (used.getLong("hits") + used.getLong("misses")));
    assertThat(used.getLong("size")).isGreaterThanOrEqualTo(1);
    JsonObject queue = OpsFixture.queue(state);
    assertThat(queue.getString("name")).isEqualTo("shop");
    assertThat(queue.getString("backend")).isEqualTo("in-process");
    assertThat(queue.getBoolean("healthy")).isTrue();
    assertThat(queue.fieldNames()).contains("depth", "oldestAgeSeconds", "running", "succeeded",
        "failed", "dead", "deadTasks");
  }

  @Test
  void deadTask_isListedAndARetrySucceeds() throws Exception {
    String id = OpsFixture.deadTask(loopback, "retried over HTTP");
    JsonObject before = state(loopback);
    JsonObject dead = OpsFixture.deadTask(before, id);
    assertThat(dead).as(before.encodePrettily()).isNotNull();
    assertThat(dead.getString("type")).isEqualTo(OpsFixture.FLAKY_TYPE);
    assertThat(dead.getInteger("attempts")).isEqualTo(1);
    assertThat(dead.getString("error")).contains("first run of retried over HTTP fails on purpose");
    assertThat(OpsFixture.queue(before).getLong("dead")).isGreaterThanOrEqualTo(1);
    long succeeded = OpsFixture.queue(before).getLong("succeeded");

    HttpResponse<String> r = send(loopback, "POST", "/ops/api/queues/shop/tasks/" + id + "/retry");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(new JsonObject(r.body())).isEqualTo(new JsonObject()
        .put("id", id).put("queue", "shop").put("action", "retried"));
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      JsonObject after = state(loopback);
      assertThat(OpsFixture.deadTask(after, id)).isNull();
      assertThat(OpsFixture.queue(after).getLong("succeeded")).isGreaterThan(succeeded);
    });
    assertThat(new JsonObject(send(loopback, "GET", "/tasks/" + id).body()).getString("state"))
        .isEqualTo("succeeded");
    HttpResponse<String> again = send(loopback, "POST", "/ops/api/tasks/" + id + "/retry");
    assertThat(again.statusCode()).as(again.body()).isEqualTo(409);
  }

  @Test
  void deadTask_discardDeletesIt() throws Exception {
    String id = OpsFixture.deadTask(loopback, "discarded");

    HttpResponse<String> r = send(loopback, "POST", "/ops/api/tasks/" + id + "/discard");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(new JsonObject(r.body()).getString("action")).isEqualTo("discarded");
    assertThat(OpsFixture.deadTask(state(loopback), id)).isNull();
    assertThat(send(loopback, "GET", "/tasks/" + id).statusCode()).isEqualTo(404);
    assertThat(send(loopback, "POST", "/ops/api/tasks/" + id + "/discard").statusCode()).isEqualTo(404);
  }

  @ParameterizedTest
  @ValueSource(strings = {"/ops/api/tasks/no-such-task/retry", "/ops/api/tasks/no-such-task/discard",
      "/ops/api/queues/other/tasks/x/retry", "/ops/api/tasks/x/explode", "/ops/api/nothing"})
  void unknownTaskQueueOrAction_is404Json(String path) throws Exception {
    HttpResponse<String> r = send(loopback, "POST", path);

    assertThat(r.statusCode()).as(r.body()).isEqualTo(404);
    assertThat(new JsonObject(r.body()).getString("error")).isNotBlank();
  }

  @Test
  void loopbackMode_refusesAnotherAddress() throws Exception {
    InetAddress address = OpsFixture.nonLoopbackAddress();
    Assumptions.assumeTrue(address != null, "this machine has no non-loopback IPv4 address");

    assertRefused(send(address.getHostAddress(), loopback, "GET", "/ops/api/state"), "loopback clients only");
    assertRefused(send(address.getHostAddress(), loopback, "GET", "/ops"), "loopback clients only");
    // The rest of the shop still answers there.
    assertThat(send(address.getHostAddress(), loopback, "GET", "/hello").statusCode()).isEqualTo(200);
  }

  @Test
  void loopbackMode_refusesAForeignHostHeader() throws Exception {
    // A page on evil.example whose name now resolves to 127.0.0.1 (DNS rebinding).
    try (Socket socket = new Socket("127.0.0.1", loopback.port())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(("GET /ops/api/state HTTP/1.1\r\nHost: evil.example:" + loopback.port()
          + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      String answer = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      assertThat(answer).startsWith("HTTP/1.1 403").contains("localhost or a loopback address");
    }
  }

  @Test
  void loopbackMode_refusesAChangeFromAnotherOrigin() throws Exception {
    String id = OpsFixture.deadTask(loopback, "cross-origin");

    assertRefused(send(loopback, "POST", "/ops/api/tasks/" + id + "/discard",
        "Origin", "https://evil.example"), "another origin");
    assertThat(OpsFixture.deadTask(state(loopback), id)).isNotNull();
    HttpResponse<String> same = send(loopback, "POST", "/ops/api/tasks/" + id + "/discard",
        "Origin", "http://127.0.0.1:" + loopback.port());
    assertThat(same.statusCode()).as(same.body()).isEqualTo(200);
  }

  @Test
  void tokenMode_requiresTheTokenFromLoopbackToo() throws Exception {
    assertRefused(send(token, "GET", "/ops/api/state"), "Authorization: Bearer");
    assertRefused(send(token, "GET", "/ops/api/state", "Authorization", "Bearer " + TOKEN + "x"),
        "wrong ops token");
    assertRefused(send(token, "GET", "/ops/api/state", "Authorization", "Bearer "
        + TOKEN.substring(1)), "wrong ops token");
    assertRefused(send(token, "GET", "/ops/api/state", "Authorization", "Basic " + TOKEN),
        "Authorization: Bearer");
    assertRefused(send(token, "POST", "/ops/api/tasks/abc/retry"), "Authorization: Bearer");

    JsonObject state = state(token, "Authorization", "Bearer " + TOKEN);
    assertThat(OpsFixture.queue(state).getString("name")).isEqualTo("shop");
  }

  @Test
  void tokenMode_admitsAnyAddressWithTheToken() throws Exception {
    InetAddress address = OpsFixture.nonLoopbackAddress();
    Assumptions.assumeTrue(address != null, "this machine has no non-loopback IPv4 address");
    String host = address.getHostAddress();

    HttpResponse<String> ok = send(host, token, "GET", "/ops/api/state", "Authorization", "Bearer " + TOKEN);
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
    assertRefused(send(host, token, "GET", "/ops/api/state", "Authorization", "Bearer wrong-token-xxxxxxxx"),
        "wrong ops token");
    // The page's files hold no data; a browser cannot add the header to a navigation.
    HttpResponse<String> page = send(host, token, "GET", "/ops");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("data-token-required=\"true\"");
  }
}
