package dev.bulwark.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The ops page in a real headless Chromium (Debian's {@code chromium} package): it lists a dead
 * task, a click on its "retry" button runs it again, and the page then shows it gone from the dead
 * list and the succeeded count up, while another dead task stays listed with its buttons. The
 * test saves a screenshot of that state to {@code target/ops-page.png}, and to the docs'
 * {@code docs/img/ops-page.png} with {@code -Dbulwark.updateScreenshots=true} (not by default, so
 * a test run leaves the sources alone). Skipped without Chromium unless
 * {@code bulwark.requireServers=true}.
 */
class ShopOpsBrowserTest {

  private static final String QUEUE_COUNT = "(() => { const t = document.getElementById('queues');"
      + " if (t.rows.length < 2) return -1;"
      + " const i = Array.from(t.rows[0].cells).findIndex(c => c.textContent === %s);"
      + " return Number(t.rows[1].cells[i].textContent); })()";
  private static Shop shop;

  @BeforeAll
  static void start() throws Exception {
    shop = OpsFixture.start("opsbrowser", "127.0.0.1", true, null);
  }

  @AfterAll
  static void stop() throws Exception {
    if (shop != null) {
      shop.drain().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  private static String retryButton(String id) {
    // Quoted in the selector: an id may start with a digit, which a bare CSS value may not.
    return "document.querySelector('button.retry[data-task=' + JSON.stringify(" + Chromium.quote(id) + ") + ']')";
  }

  private static long queueCount(Chromium browser, String column) throws Exception {
    return ((Number) browser.evaluate(String.format(QUEUE_COUNT, Chromium.quote(column)))).longValue();
  }

  @Test
  void retryOnADeadTask_runsItAgainAndThePageShowsItSucceeded() throws Exception {
    traffic();
    String retried = OpsFixture.deadTask(shop, "report-42");
    String waiting = OpsFixture.deadTask(shop, "report-43");

    try (Chromium browser = Chromium.launch(1200, 820)) {
      browser.navigate("http://127.0.0.1:" + shop.port() + "/ops");
      await("the dead task listed").atMost(Duration.ofSeconds(30))
          .until(() -> (Boolean) browser.evaluate(retryButton(retried) + " !== null"));
      assertThat(browser.texts("#databases th")).contains("pending", "max", "loop reads");
      assertThat(browser.texts("#dead td")).contains(retried, waiting, OpsFixture.FLAKY_TYPE)
          .anySatisfy(t -> assertThat(t.toString()).contains("first run of report-42 fails on purpose"));
      long succeeded = queueCount(browser, "succeeded");
      assertThat(succeeded).isGreaterThanOrEqualTo(0);

      browser.evaluate(retryButton(retried) + ".click()");

      await("the retried task succeeded on the page").atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        assertThat(browser.evaluate(retryButton(retried) + " === null")).isEqualTo(true);
        assertThat(queueCount(browser, "succeeded")).isEqualTo(succeeded + 1);
      });
      assertThat(browser.texts("#notice")).containsExactly(retried + ": retried");
      assertThat(browser.evaluate(retryButton(waiting) + " !== null")).isEqualTo(true);
      assertThat(browser.texts("#status").get(0).toString()).startsWith("updated ");

      byte[] png = browser.screenshot();
      assertThat(png).startsWith(0x89, 'P', 'N', 'G');
      Path module = Path.of(System.getProperty("basedir", "."));
      Files.write(module.resolve("target/ops-page.png"), png);
      if (Boolean.getBoolean("bulwark.updateScreenshots")) {
        Path docs = module.resolve("../docs/img/ops-page.png").normalize();
        Files.createDirectories(docs.getParent());
        Files.write(docs, png);
      }
    }
  }

  /** Some requests, so that the pools and caches on the screenshot show numbers. */
  private static void traffic() throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    for (String path : new String[] {"/products/1/cached", "/products/1/cached", "/products/2/cached",
        "/products/2/cached", "/products/2/cached", "/expensive", "/expensive", "/blocking?ms=5",
        "/products/3"}) {
      HttpResponse<String> r = client.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + shop.port() + path)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(path).isEqualTo(200);
    }
    HttpResponse<String> report = client.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + shop.port() + "/tasks"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"report\",\"rows\":1000}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(report.statusCode()).isEqualTo(202);
    // Finished before the page reads the succeeded count, which then moves by the retry alone.
    String id = new JsonObject(report.body()).getString("id");
    await("the report").atMost(Duration.ofSeconds(60)).until(() -> "succeeded".equals(new JsonObject(
        client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + shop.port() + "/tasks/" + id))
            .build(), HttpResponse.BodyHandlers.ofString()).body()).getString("state")));
  }
}
