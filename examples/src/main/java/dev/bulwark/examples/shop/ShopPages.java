package dev.bulwark.examples.shop;

import dev.bulwark.web.Get;
import dev.bulwark.web.NonBlocking;
import dev.bulwark.web.Response;
import dev.bulwark.web.StaticAssets;

/**
 * The shop's HTML page, {@code GET /}: its script, stylesheet and images are linked through
 * {@link StaticAssets#url}, so the page always names the current fingerprinted files (on the CDN
 * when one is configured) and never hard-codes a hash. The page is rendered once, at start,
 * because the manifest does not change while the process runs. Immutable; thread-safe; answered
 * on the event loop.
 */
public final class ShopPages {

  private final Response<String> index;

  /** Renders the page from {@code assets}' manifest. */
  public ShopPages(StaticAssets assets) {
    String html = "<!doctype html>\n"
        + "<html lang=\"en\">\n"
        + "<head>\n"
        + "  <meta charset=\"utf-8\">\n"
        + "  <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        + "  <title>Bulwark shop</title>\n"
        + "  <link rel=\"icon\" type=\"image/png\" href=\"" + assets.url("img/favicon.png") + "\">\n"
        + "  <link rel=\"stylesheet\" href=\"" + assets.url("site.css") + "\">\n"
        + "  <script defer src=\"" + assets.url("app.js") + "\"></script>\n"
        + "</head>\n"
        + "<body>\n"
        + "  <header><img src=\"" + assets.url("img/logo.svg") + "\" alt=\"\"><h1>Bulwark shop</h1></header>\n"
        + "  <p id=\"status\">loading products\u2026</p>\n"
        + "  <ul id=\"products\"></ul>\n"
        + "</body>\n"
        + "</html>\n";
    // Revalidated on every use: the page is cheap, and after a deploy it must name the new files.
    this.index = Response.ok(html)
        .withHeader("Content-Type", "text/html; charset=utf-8")
        .withHeader("Cache-Control", "no-cache");
  }

  /** 200 {@code text/html}: the page, linking the fingerprinted assets. */
  @Get("/")
  @NonBlocking
  public Response<String> index() {
    return index;
  }
}
