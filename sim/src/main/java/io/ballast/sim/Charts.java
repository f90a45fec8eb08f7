package io.ballast.sim;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Writes a run's charts as PNG files (XChart, headless):
 * <ul>
 *   <li>{@code latency.png}: p50, p99 and p99.9 latency over time, one panel per percentile, one
 *       line per variant (log scale);</li>
 *   <li>{@code share.png}: each backend's share of the attempts over time, one panel per
 *       variant;</li>
 *   <li>{@code weights.png}: each backend's effective weight as a share of the pool's total over
 *       time, one panel per variant (flat unless something changes weights: health, slow start,
 *       ejections, a weight controller).</li>
 *   <li>{@code oracle.png}, when the run has an oracle: each variant's p99 and p99.9 per bucket
 *       as a ratio to the oracle's ({@link OracleComparison}), one panel per percentile, one line
 *       per variant (log scale; 1 is the oracle).</li>
 * </ul>
 * Stateless; every call renders anew. Call from one thread at a time (AWT rendering).
 */
public final class Charts {
  private static final int PANEL_WIDTH = 640;
  private static final int PANEL_HEIGHT = 360;

  private Charts() {}

  /**
   * Writes the charts into {@code dir} (created if needed): three, and the oracle's with one;
   * returns the files written.
   */
  public static List<Path> write(SimResult result, Path dir) throws IOException {
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
    Files.createDirectories(dir);
    List<Path> files = new ArrayList<>();
    files.add(save(latency(result), dir.resolve("latency.png")));
    files.add(save(perVariant(result, "traffic share", "% of attempts", BucketPoint::share),
        dir.resolve("share.png")));
    files.add(save(perVariant(result, "effective weight", "% of pool weight",
        BucketPoint::weightShare), dir.resolve("weights.png")));
    java.util.Optional<OracleComparison> oracle = result.oracle();
    if (oracle.isPresent()) {
      files.add(save(ratios(result, oracle.get()), dir.resolve("oracle.png")));
    }
    return files;
  }

  private static List<XYChart> ratios(SimResult result, OracleComparison oracle) {
    List<XYChart> panels = new ArrayList<>();
    for (String name : List.of("p99", "p99.9")) {
      XYChart c = chart(result.scenario().name() + ": " + name + " / oracle's", "ratio");
      c.getStyler().setYAxisLogarithmic(true);
      for (VariantResult v : result.variants()) {
        if (v == oracle.oracle()) {
          continue;
        }
        OracleComparison.Ratios r = oracle.ratios(v);
        double[] y = (name.equals("p99") ? r.p99PerBucket() : r.p999PerBucket()).clone();
        double[] x = java.util.Arrays.copyOf(xs(v.series()), y.length);
        for (int i = 0; i < y.length; i++) {
          // Log axes need a positive value.
          y[i] = y[i] > 0 ? y[i] : Double.NaN;
        }
        add(c, v.name(), x, y);
      }
      panels.add(c);
    }
    return panels;
  }

  private static List<XYChart> latency(SimResult result) {
    List<XYChart> panels = new ArrayList<>();
    String[] names = {"p50", "p99", "p99.9"};
    List<ToDoubleFunction<BucketPoint>> getters = List.of(
        BucketPoint::p50Millis, BucketPoint::p99Millis, BucketPoint::p999Millis);
    for (int k = 0; k < names.length; k++) {
      XYChart c = chart(result.scenario().name() + ": " + names[k] + " latency", "ms");
      c.getStyler().setYAxisLogarithmic(true);
      for (VariantResult v : result.variants()) {
        double[] x = xs(v.series());
        double[] y = new double[x.length];
        for (int i = 0; i < y.length; i++) {
          double value = getters.get(k).applyAsDouble(v.series().get(i));
          // A bucket with no completion has no latency; log axes need a positive value.
          y[i] = Double.isNaN(value) || value <= 0 ? Double.NaN : value;
        }
        add(c, v.name(), x, y);
      }
      panels.add(c);
    }
    return panels;
  }

  private static List<XYChart> perVariant(SimResult result, String what, String unit,
      java.util.function.Function<BucketPoint, double[]> values) {
    List<XYChart> panels = new ArrayList<>();
    List<BackendSpec> backends = result.scenario().backends();
    for (VariantResult v : result.variants()) {
      XYChart c = chart(v.name() + ": " + what, unit);
      c.getStyler().setYAxisMin(0.0);
      c.getStyler().setYAxisMax(100.0);
      double[] x = xs(v.series());
      for (int b = 0; b < backends.size(); b++) {
        double[] y = new double[x.length];
        for (int i = 0; i < y.length; i++) {
          y[i] = values.apply(v.series().get(i))[b];
        }
        add(c, backends.get(b).name(), x, y);
      }
      panels.add(c);
    }
    return panels;
  }

  private static XYChart chart(String title, String yTitle) {
    XYChart c = new XYChartBuilder().width(PANEL_WIDTH).height(PANEL_HEIGHT).title(title)
        .xAxisTitle("virtual time (s)").yAxisTitle(yTitle).build();
    Styler s = c.getStyler();
    s.setLegendPosition(Styler.LegendPosition.InsideNE);
    s.setChartBackgroundColor(Color.WHITE);
    s.setAntiAlias(true);
    return c;
  }

  private static void add(XYChart c, String name, double[] x, double[] y) {
    if (x.length == 0) {
      x = new double[] {0};
      y = new double[] {Double.NaN};
    }
    XYSeries s = c.addSeries(name, x, y);
    s.setMarker(SeriesMarkers.NONE);
  }

  private static double[] xs(List<BucketPoint> series) {
    double[] x = new double[series.size()];
    for (int i = 0; i < x.length; i++) {
      x[i] = series.get(i).endSeconds();
    }
    return x;
  }

  /** Renders the panels side by side, two per row, into one PNG. */
  private static Path save(List<XYChart> panels, Path file) throws IOException {
    int cols = panels.size() == 1 ? 1 : 2;
    int rows = (panels.size() + cols - 1) / cols;
    BufferedImage grid = new BufferedImage(cols * PANEL_WIDTH, rows * PANEL_HEIGHT,
        BufferedImage.TYPE_INT_RGB);
    Graphics2D g = grid.createGraphics();
    try {
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, grid.getWidth(), grid.getHeight());
      for (int i = 0; i < panels.size(); i++) {
        BufferedImage img = BitmapEncoder.getBufferedImage(panels.get(i));
        g.drawImage(img, (i % cols) * PANEL_WIDTH, (i / cols) * PANEL_HEIGHT, null);
      }
    } finally {
      g.dispose();
    }
    ImageIO.write(grid, "png", file.toFile());
    return file;
  }
}
