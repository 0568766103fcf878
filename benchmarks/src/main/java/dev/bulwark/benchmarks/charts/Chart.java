package dev.bulwark.benchmarks.charts;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Draws the two kinds of chart the benchmark pages use, with plain Java2D (no chart library):
 * horizontal bars in groups, each bar labelled with its value, and lines of one value per time
 * slice. Stateless and thread-safe; needs no display ({@code java.awt.headless}).
 */
final class Chart {

  /** One bar: the group it is drawn in, its label and its value. */
  record Bar(String group, String label, double value) {
  }

  private static final int WIDTH = 900;
  private static final int MARGIN = 16;
  private static final int BAR = 22;
  private static final int LABEL_WIDTH = 260;
  private static final Color[] PALETTE = {new Color(0x2b6cb0), new Color(0xdd6b20),
      new Color(0x38a169), new Color(0x805ad5), new Color(0xc53030), new Color(0x718096)};
  private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 16);
  private static final Font TEXT = new Font(Font.SANS_SERIF, Font.PLAIN, 12);

  private Chart() {
  }

  /** Bars grouped by {@link Bar#group}, in the order given; the axis starts at zero. */
  static BufferedImage bars(String title, String machine, String unit, List<Bar> bars) {
    Map<String, List<Bar>> groups = new LinkedHashMap<>();
    bars.forEach(b -> groups.computeIfAbsent(b.group(), g -> new ArrayList<>()).add(b));
    double max = bars.stream().mapToDouble(Bar::value).max().orElse(1);
    int height = 70 + groups.size() * 26 + bars.size() * (BAR + 4) + MARGIN;
    BufferedImage image = new BufferedImage(WIDTH, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = canvas(image, title, machine + "  (" + unit + ")");
    int y = 70;
    int plot = WIDTH - LABEL_WIDTH - 2 * MARGIN - 90;
    for (Map.Entry<String, List<Bar>> group : groups.entrySet()) {
      g.setColor(Color.DARK_GRAY);
      g.setFont(TEXT.deriveFont(Font.BOLD));
      g.drawString(group.getKey(), MARGIN, y + 14);
      y += 26;
      g.setFont(TEXT);
      int i = 0;
      for (Bar b : group.getValue()) {
        int w = max <= 0 ? 0 : (int) Math.round(plot * b.value() / max);
        g.setColor(Color.BLACK);
        g.drawString(clip(g.getFontMetrics(), b.label(), LABEL_WIDTH - 8), MARGIN + 8, y + 15);
        g.setColor(PALETTE[i++ % PALETTE.length]);
        g.fillRect(MARGIN + LABEL_WIDTH, y, Math.max(w, 1), BAR);
        g.setColor(Color.BLACK);
        g.drawString(format(b.value()), MARGIN + LABEL_WIDTH + Math.max(w, 1) + 6, y + 15);
        y += BAR + 4;
      }
    }
    g.dispose();
    return image;
  }

  /** One line per series, x = slice number (1, 2, ...), y from zero; a legend below. */
  static BufferedImage lines(String title, String machine, String unit, Map<String, double[]> series) {
    int height = 420;
    BufferedImage image = new BufferedImage(WIDTH, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = canvas(image, title, machine + "  (" + unit + ")");
    int left = MARGIN + 70;
    int top = 70;
    int right = WIDTH - MARGIN - 20;
    int bottom = height - 40 - 20 * ((series.size() + 2) / 3);
    double max = series.values().stream().flatMapToDouble(java.util.Arrays::stream).max().orElse(1);
    int slices = series.values().stream().mapToInt(s -> s.length).max().orElse(1);
    g.setColor(Color.GRAY);
    g.drawLine(left, bottom, right, bottom);
    g.drawLine(left, top, left, bottom);
    g.setFont(TEXT);
    for (int t = 0; t <= 4; t++) {
      int y = bottom - (bottom - top) * t / 4;
      g.setColor(new Color(0xe2e8f0));
      g.drawLine(left + 1, y, right, y);
      g.setColor(Color.DARK_GRAY);
      g.drawString(format(max * t / 4), MARGIN, y + 4);
    }
    for (int x = 1; x <= slices; x++) {
      g.drawString(Integer.toString(x), xOf(x, slices, left, right) - 3, bottom + 16);
    }
    int i = 0;
    int legendY = bottom + 36;
    for (Map.Entry<String, double[]> s : series.entrySet()) {
      Color color = PALETTE[i % PALETTE.length];
      g.setColor(color);
      g.setStroke(new BasicStroke(2.5f));
      double[] v = s.getValue();
      for (int k = 0; k < v.length; k++) {
        int x = xOf(k + 1, slices, left, right);
        int y = max <= 0 ? bottom : bottom - (int) Math.round((bottom - top) * v[k] / max);
        g.fillOval(x - 3, y - 3, 7, 7);
        if (k > 0) {
          int px = xOf(k, slices, left, right);
          int py = max <= 0 ? bottom : bottom - (int) Math.round((bottom - top) * v[k - 1] / max);
          g.drawLine(px, py, x, y);
        }
      }
      int lx = MARGIN + (i % 3) * 290;
      int ly = legendY + (i / 3) * 20;
      g.fillRect(lx, ly - 9, 14, 10);
      g.setColor(Color.BLACK);
      g.drawString(s.getKey(), lx + 20, ly);
      i++;
    }
    g.dispose();
    return image;
  }

  private static int xOf(int slice, int slices, int left, int right) {
    return slices <= 1 ? (left + right) / 2 : left + 20 + (right - left - 40) * (slice - 1) / (slices - 1);
  }

  private static Graphics2D canvas(BufferedImage image, String title, String subtitle) {
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, image.getWidth(), image.getHeight());
    g.setColor(Color.BLACK);
    g.setFont(TITLE);
    g.drawString(clip(g.getFontMetrics(), title, image.getWidth() - 2 * MARGIN), MARGIN, 26);
    g.setFont(TEXT);
    g.setColor(Color.DARK_GRAY);
    g.drawString(clip(g.getFontMetrics(), subtitle, image.getWidth() - 2 * MARGIN), MARGIN, 46);
    return g;
  }

  private static String clip(FontMetrics fm, String text, int width) {
    if (fm.stringWidth(text) <= width) {
      return text;
    }
    String t = text;
    while (!t.isEmpty() && fm.stringWidth(t + "...") > width) {
      t = t.substring(0, t.length() - 1);
    }
    return t + "...";
  }

  static String format(double v) {
    if (Math.abs(v) >= 100) {
      return String.format(Locale.ROOT, "%,.0f", v);
    }
    return String.format(Locale.ROOT, Math.abs(v) >= 1 ? "%.2f" : "%.3g", v);
  }
}
