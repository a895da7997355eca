package dev.tangent.report;

import de.erichseifert.vectorgraphics2d.Document;
import de.erichseifert.vectorgraphics2d.VectorGraphics2D;
import de.erichseifert.vectorgraphics2d.svg.SVGProcessor;
import de.erichseifert.vectorgraphics2d.util.PageSize;
import dev.tangent.io.AtomicFile;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Multi-panel line figures written as PNG and SVG (XChart panels painted in a grid onto Java2D and VectorGraphics2D
 * canvases). Series are lines, markers or both; log axes drop non-positive points.
 */
public final class Figure {
    private Figure() {
    }

    /**
     * @param color index into the palette (series of the same color are one quantity, e.g. solid KM and dotted NN)
     */
    public record Series(String name, double[] x, double[] y, boolean line, boolean markers, int color, int marker) {
        public Series(String name, double[] x, double[] y, boolean line, boolean markers, int color) {
            this(name, x, y, line, markers, color, 0);
        }

        /** The same series with marker shape {@code k} (0 circle, 1 diamond, 2 square, 3 triangle, 4 cross, ...). */
        public Series withMarker(int k) {
            return new Series(name, x, y, line, markers, color, k);
        }

        /** The same points drawn as reference values (diamond markers, no line): a paper's numbers beside a run's. */
        public Series asReference() {
            return new Series(name, x, y, false, true, color, 1);
        }
    }

    public record Panel(String title, String xLabel, String yLabel, boolean logX, boolean logY, List<Series> series) {
    }

    private static final Color[] PALETTE = {new Color(31, 119, 180), new Color(255, 127, 14), new Color(44, 160, 44),
            new Color(214, 39, 40), new Color(148, 103, 189), new Color(140, 86, 75), new Color(227, 119, 194),
            new Color(127, 127, 127), new Color(188, 189, 34), new Color(23, 190, 207)};

    private static final org.knowm.xchart.style.markers.Marker[] MARKERS = {SeriesMarkers.CIRCLE, SeriesMarkers.DIAMOND, SeriesMarkers.SQUARE,
            SeriesMarkers.TRIANGLE_UP, SeriesMarkers.CROSS, SeriesMarkers.TRIANGLE_DOWN, SeriesMarkers.OVAL};

    /** Writes {@code base}.png and {@code base}.svg with the panels in a grid of {@code cols} columns. */
    public static void write(Path base, int cols, int panelWidth, int panelHeight, List<Panel> panels) {
        System.setProperty("java.awt.headless", "true");
        List<XYChart> charts = new ArrayList<>();
        for (Panel p : panels) {
            charts.add(chart(p, panelWidth, panelHeight));
        }
        int rows = (panels.size() + cols - 1) / cols;
        int w = cols * panelWidth;
        int h = rows * panelHeight;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        paint(g, charts, cols, panelWidth, panelHeight);
        g.dispose();
        Path png = base.resolveSibling(base.getFileName() + ".png");
        AtomicFile.write(png, temp -> ImageIO.write(img, "png", temp.toFile()));
        VectorGraphics2D vg = new VectorGraphics2D();
        paint(vg, charts, cols, panelWidth, panelHeight);
        Document doc = new SVGProcessor().getDocument(vg.getCommands(), new PageSize(0, 0, w, h));
        Path svg = base.resolveSibling(base.getFileName() + ".svg");
        AtomicFile.write(svg, temp -> {
            java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
            doc.writeTo(b);
            try (OutputStream o = Files.newOutputStream(temp)) {
                o.write(describe(b.toString(java.nio.charset.StandardCharsets.UTF_8), panels).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
        });
    }

    /**
     * Adds the panel titles as the SVG's {@code <title>} and {@code <desc>} (the drawn titles are glyph outlines), so that
     * what a figure says, "no bound at ..." say, can be read and searched.
     */
    static String describe(String svg, List<Panel> panels) {
        int open = svg.indexOf("<svg");
        int end = open < 0 ? -1 : svg.indexOf('>', open);
        if (end < 0) {
            return svg;
        }
        StringBuilder titles = new StringBuilder();
        for (Panel p : panels) {
            titles.append(titles.isEmpty() ? "" : " | ").append(p.title());
        }
        String t = titles.toString().replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
        return svg.substring(0, end + 1) + "\n  <title>" + t + "</title>\n  <desc>" + t + "</desc>" + svg.substring(end + 1);
    }

    private static void paint(Graphics2D g, List<XYChart> charts, int cols, int pw, int ph) {
        AffineTransform base = g.getTransform();
        for (int k = 0; k < charts.size(); k++) {
            g.setTransform(base);
            g.translate((k % cols) * pw, (k / cols) * ph);
            charts.get(k).paint(g, pw, ph);
        }
        g.setTransform(base);
    }

    static XYChart chart(Panel p, int w, int h) {
        XYChart c = new XYChartBuilder().width(w).height(h).title(p.title()).xAxisTitle(p.xLabel()).yAxisTitle(p.yLabel()).build();
        // legends outside the data (right of the plot), so that no curve's points hide under it
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setPlotBackgroundColor(Color.WHITE);
        c.getStyler().setLegendBorderColor(Color.LIGHT_GRAY);
        // log axes are drawn as log10 of the values on a linear axis, so that every tick gets a label in plain
        // numbers (XChart's own log axis labels only whole decades, in mixed notation: "1000" beside "1E4")
        if (p.logX()) {
            c.setCustomXAxisTickLabelsFormatter(Figure::logTickLabel);
        }
        if (p.logY()) {
            c.setCustomYAxisTickLabelsFormatter(Figure::logTickLabel);
        }
        if (!p.logX()) {
            c.setCustomXAxisTickLabelsFormatter(Figure::tickLabel);
        }
        if (!p.logY()) {
            c.setCustomYAxisTickLabelsFormatter(Figure::tickLabel);
        }
        c.getStyler().setMarkerSize(6);
        // a log axis over two or more decades gets one tick per decade: spacing the ticks a decade apart in pixels
        // (XChart rounds the data span x hint / plot pixels to 1, 2 or 5 x 10^k; the plot is 60-80% of the panel)
        double[] span = {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
        for (Series s : p.series()) {
            double[][] xy = keep(s.x(), s.y(), p.logX(), p.logY());
            for (int i = 0; i < xy[0].length; i++) {
                span[0] = Math.min(span[0], xy[0][i]);
                span[1] = Math.max(span[1], xy[0][i]);
                span[2] = Math.min(span[2], xy[1][i]);
                span[3] = Math.max(span[3], xy[1][i]);
            }
        }
        double decadesX = p.logX() ? Math.log10(span[1] / span[0]) : 0;
        double decadesY = p.logY() ? Math.log10(span[3] / span[2]) : 0;
        if (decadesX >= 2) {
            c.getStyler().setXAxisTickMarkSpacingHint((int) (w / (decadesX + 0.5)));
        }
        if (decadesY >= 2) {
            c.getStyler().setYAxisTickMarkSpacingHint((int) (h / (decadesY + 0.5)));
        }
        for (Series s : p.series()) {
            double[][] xy = keep(s.x(), s.y(), p.logX(), p.logY());
            if (xy[0].length == 0) {
                continue;
            }
            XYSeries series = c.addSeries(s.name(), p.logX() ? log10(xy[0]) : xy[0], p.logY() ? log10(xy[1]) : xy[1]);
            Color col = PALETTE[Math.floorMod(s.color(), PALETTE.length)];
            series.setLineColor(col);
            series.setMarkerColor(col);
            series.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
            if (!s.line()) {
                series.setLineStyle(new java.awt.BasicStroke(0f));
                series.setLineColor(new Color(0, 0, 0, 0));
            }
            series.setMarker(!s.markers() ? SeriesMarkers.NONE : MARKERS[Math.floorMod(s.marker(), MARKERS.length)]);
        }
        return c;
    }

    /** Drops non-finite points, and non-positive ones on log axes. */
    private static double[][] keep(double[] x, double[] y, boolean logX, boolean logY) {
        int n = 0;
        double[] kx = new double[x.length];
        double[] ky = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            boolean ok = Double.isFinite(x[i]) && Double.isFinite(y[i]) && (!logX || x[i] > 0) && (!logY || y[i] > 0);
            if (ok) {
                kx[n] = x[i];
                ky[n] = y[i];
                n++;
            }
        }
        return new double[][] {java.util.Arrays.copyOf(kx, n), java.util.Arrays.copyOf(ky, n)};
    }

    private static double[] log10(double[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = Math.log10(v[i]);
        }
        return out;
    }

    /**
     * The label of a tick at t = log10(value) on a log axis: the value in plain decimal notation, exact at whole decades
     * ("0.001", "1", "10000"), else to two significant digits ("3.2", "0.0032", "320").
     */
    public static String logTickLabel(double t) {
        double r = Math.rint(t);
        if (Math.abs(t - r) < 1e-9) {
            return java.math.BigDecimal.ONE.scaleByPowerOfTen((int) r).toPlainString();
        }
        return new java.math.BigDecimal(Math.pow(10, t)).round(new java.math.MathContext(2)).stripTrailingZeros().toPlainString();
    }

    /** The label of a tick on a linear axis: the shortest plain decimal of the value ("0.05", not ".05"; "1000", "0.5"). */
    public static String tickLabel(double v) {
        if (v == 0) {
            return "0";
        }
        // ticks are multiples of 1, 2, 2.5 or 5 × 10^k: 12 significant digits remove the step's rounding noise
        return new java.math.BigDecimal(v).round(new java.math.MathContext(12)).stripTrailingZeros().toPlainString();
    }
}
