package dev.bulwark.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A picture of {@code examples/grafana/bulwark.json} without Grafana: the dashboard's panels laid
 * out on its own 24-column grid (rows, titles, panel types and the metrics each one queries),
 * rendered by headless Chromium. The page is generated from the JSON, so the picture follows the
 * dashboard; the test checks that every panel is drawn where its {@code gridPos} puts it. Saved to
 * {@code target/grafana-dashboard.png}, and to {@code docs/img/} with
 * {@code -Dbulwark.updateScreenshots=true}. Skipped without Chromium unless
 * {@code bulwark.requireServers=true}.
 */
class GrafanaDashboardPictureTest {

  private static final int COLUMN_PX = 50;
  private static final int ROW_PX = 26;
  private static final Pattern METRIC = Pattern.compile("\\b((?:http_server|bulwark|hikaricp|jvm|process|system)_[a-z0-9_]+)");

  @Test
  void dashboard_rendersEveryPanelOnItsGrid() throws Exception {
    Path module = Path.of(System.getProperty("basedir", "."));
    JsonObject dashboard = new JsonObject(Files.readString(module.resolve("grafana/bulwark.json")));
    JsonArray panels = dashboard.getJsonArray("panels");
    Path html = module.resolve("target/grafana-dashboard.html");
    Files.createDirectories(html.getParent());
    Files.writeString(html, page(dashboard));
    int height = 0;
    for (Object o : panels) {
      JsonObject g = ((JsonObject) o).getJsonObject("gridPos");
      height = Math.max(height, (g.getInteger("y") + g.getInteger("h")) * ROW_PX);
    }

    try (Chromium browser = Chromium.launch(24 * COLUMN_PX + 32, height + 80)) {
      browser.navigate(html.toUri().toString());

      assertThat(browser.texts(".panel h3, .row h2")).hasSize(panels.size());
      for (Object o : panels) {
        JsonObject p = (JsonObject) o;
        JsonObject g = p.getJsonObject("gridPos");
        JsonArray box = (JsonArray) browser.evaluate("(() => { const e = document.querySelector('[data-title="
            + Chromium.quote(p.getString("title")).replace("'", "\\'") + "]');"
            + " const r = e.getBoundingClientRect(); return [Math.round(r.left), Math.round(r.top)]; })()");
        assertThat(box.getInteger(0)).as(p.getString("title")).isEqualTo(16 + g.getInteger("x") * COLUMN_PX);
        assertThat(box.getInteger(1)).as(p.getString("title")).isEqualTo(64 + g.getInteger("y") * ROW_PX);
      }
      byte[] png = browser.screenshot();
      Files.write(module.resolve("target/grafana-dashboard.png"), png);
      if (Boolean.getBoolean("bulwark.updateScreenshots")) {
        Path docs = module.resolve("../docs/img/grafana-dashboard.png").normalize();
        Files.createDirectories(docs.getParent());
        Files.write(docs, png);
      }
    }
  }

  private static String page(JsonObject dashboard) {
    StringBuilder b = new StringBuilder("<!doctype html><html><head><meta charset=\"utf-8\"><style>"
        + "body{margin:0;background:#111217;color:#ccccdc;font:13px system-ui,sans-serif}"
        + "header{box-sizing:border-box;height:48px;margin:0 16px 16px;border-bottom:1px solid #2c2e36;display:flex;align-items:center}"
        + "header h1{font-size:17px;margin:0;color:#fff}"
        + ".grid{position:relative;margin:0 16px}"
        + ".panel,.row{position:absolute;box-sizing:border-box}"
        + ".panel{background:#181b1f;border:1px solid #2c2e36;border-radius:3px;padding:6px 8px;overflow:hidden}"
        + ".panel h3{margin:0 0 4px;font-size:13px;color:#fff}"
        + ".panel .type{float:right;color:#6e7280;font-size:11px}"
        + ".panel ul{margin:4px 0 0;padding:0;list-style:none}"
        + ".panel li{font:11px ui-monospace,monospace;color:#73bf69;line-height:15px}"
        + ".row h2{margin:4px 0;font-size:14px;color:#fff}"
        + "</style></head><body><header><h1>");
    b.append(escape(dashboard.getString("title"))).append(" (panel layout of examples/grafana/bulwark.json)</h1></header><div class=\"grid\">");
    for (Object o : dashboard.getJsonArray("panels")) {
      JsonObject p = (JsonObject) o;
      JsonObject g = p.getJsonObject("gridPos");
      String style = "left:" + g.getInteger("x") * COLUMN_PX + "px;top:" + g.getInteger("y") * ROW_PX
          + "px;width:" + (g.getInteger("w") * COLUMN_PX - 6) + "px;height:" + (g.getInteger("h") * ROW_PX - 6) + "px";
      String title = escape(p.getString("title"));
      if ("row".equals(p.getString("type"))) {
        b.append("<div class=\"row\" data-title=\"").append(title).append("\" style=\"").append(style)
            .append("\"><h2>").append(title).append("</h2></div>");
        continue;
      }
      b.append("<div class=\"panel\" data-title=\"").append(title).append("\" style=\"").append(style)
          .append("\"><span class=\"type\">").append(escape(p.getString("type"))).append("</span><h3>")
          .append(title).append("</h3><ul>");
      for (String metric : metrics(p)) {
        b.append("<li>").append(escape(metric)).append("</li>");
      }
      b.append("</ul></div>");
    }
    return b.append("</div></body></html>").toString();
  }

  /** The metric names a panel's queries use, in order of first use. */
  private static List<String> metrics(JsonObject panel) {
    List<String> names = new ArrayList<>();
    JsonArray targets = panel.getJsonArray("targets", new JsonArray());
    for (Object t : targets) {
      Matcher m = METRIC.matcher(((JsonObject) t).getString("expr", ""));
      while (m.find()) {
        if (!names.contains(m.group(1))) {
          names.add(m.group(1));
        }
      }
    }
    return names;
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
