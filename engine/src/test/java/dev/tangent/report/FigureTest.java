package dev.tangent.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.XYChart;

import java.awt.Graphics2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one figure style: plain tick labels, labelled log axes, legends outside the data. */
class FigureTest {
    @TempDir
    Path dir;

    @Test
    void logTicksOverTenToTenThousandArePlainNumbers() {
        // a log axis is log10 of the values: ticks at 1, 2, 3, 4 are the decades 10 .. 10^4, never "1E4" beside "1000"
        assertEquals(List.of("10", "100", "1000", "10000"), List.of(1.0, 2.0, 3.0, 4.0).stream().map(Figure::logTickLabel).toList());
        assertEquals("0.001", Figure.logTickLabel(-3));
        assertEquals("1", Figure.logTickLabel(0));
        // between decades: two significant digits of 10^t (10^0.5 = 3.162..., 10^2.5 = 316.2..., 10^-2.5 = 0.003162...)
        assertEquals("3.2", Figure.logTickLabel(0.5));
        assertEquals("320", Figure.logTickLabel(2.5));
        assertEquals("0.0032", Figure.logTickLabel(-2.5));
    }

    @Test
    void aLogAxisFromTenToTenThousandIsLabelledAtEachDecade() throws Exception {
        double[] x = {10, 30, 100, 300, 1000, 3000, 10000};
        double[] y = {1, 2, 3, 4, 5, 6, 7};
        for (int width : new int[] {520, 620, 900}) {
            XYChart c = Figure.chart(new Figure.Panel("t", "width (units)", "y", true, false,
                    List.of(new Figure.Series("s", x, y, true, true, 0))), width, 440);
            c.paint(new BufferedImage(width, 440, BufferedImage.TYPE_INT_RGB).createGraphics(), width, 440);
            assertEquals(List.of("10", "100", "1000", "10000"), tickLabels(c, "getXAxis"), "panel width " + width);
        }
    }

    /** The tick labels XChart drew on an axis ("getXAxis" or "getYAxis"), read from its internal tick calculator. */
    @SuppressWarnings("unchecked")
    private static List<String> tickLabels(XYChart c, String axis) throws Exception {
        java.lang.reflect.Field f = org.knowm.xchart.internal.chartpart.Chart.class.getDeclaredField("axisPair");
        f.setAccessible(true);
        Object pair = f.get(c);
        java.lang.reflect.Method m = pair.getClass().getDeclaredMethod(axis);
        m.setAccessible(true);
        Object ax = m.invoke(pair);
        java.lang.reflect.Method calc = ax.getClass().getMethod("getAxisTickCalculator");
        Object tc = calc.invoke(ax);
        java.lang.reflect.Method labels = tc.getClass().getMethod("getTickLabels");
        java.lang.reflect.Method locations = tc.getClass().getMethod("getTickLocations");
        labels.setAccessible(true);
        locations.setAccessible(true);
        List<String> text = (List<String>) labels.invoke(tc);
        List<Double> at = (List<Double>) locations.invoke(tc);
        Rectangle2D b = (Rectangle2D) ax.getClass().getMethod("getBounds").invoke(ax);
        double length = axis.equals("getXAxis") ? b.getWidth() : b.getHeight();
        // the calculator also lists a tick beyond each end, which is not drawn
        List<String> drawn = new java.util.ArrayList<>();
        for (int i = 0; i < text.size(); i++) {
            if (at.get(i) >= 0 && at.get(i) <= length && text.get(i) != null && !text.get(i).isEmpty()) {
                drawn.add(text.get(i));
            }
        }
        return drawn;
    }

    @Test
    void linearTicksHaveALeadingZeroAndNoStepNoise() {
        assertEquals("0.05", Figure.tickLabel(0.05));
        assertEquals("0.3", Figure.tickLabel(0.1 + 0.2));
        assertEquals("1000", Figure.tickLabel(1000));
        assertEquals("-2.5", Figure.tickLabel(-2.5));
        assertEquals("0", Figure.tickLabel(0));
    }

    @Test
    void theLegendLiesOutsideThePlotArea() throws Exception {
        double[] x = {10, 100, 1000, 10000};
        Figure.Panel p = new Figure.Panel("gap", "width", "gap", true, true, List.of(
                new Figure.Series("a long series name", x, new double[] {1, 0.1, 0.01, 0.001}, true, true, 0),
                new Figure.Series("b", x, new double[] {2, 0.2, 0.02, 0.002}, true, false, 1)));
        XYChart c = Figure.chart(p, 640, 420);
        BufferedImage img = new BufferedImage(640, 420, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        c.paint(g, 640, 420);
        g.dispose();
        Rectangle2D plot = bounds(c, "plot");
        Rectangle2D legend = bounds(c, "legend"); // its size (XChart places it at paint time)
        assertTrue(plot.getWidth() > 100 && legend.getWidth() > 10, plot + " " + legend);
        // the legend fits beside the plot: plot and legend widths within the chart's
        assertTrue(plot.getMaxX() + legend.getWidth() <= 640, plot + " " + legend);
        // data are clipped to the plot area, so pixels of the first series' colour right of it are the legend's sample line
        int legendPixels = 0;
        int inPlotRight = 0;
        for (int px = (int) Math.ceil(plot.getMaxX()) + 1; px < 640; px++) {
            for (int py = 0; py < 420; py++) {
                legendPixels += (img.getRGB(px, py) & 0xFFFFFF) == 0x1F77B4 ? 1 : 0;
            }
        }
        assertTrue(legendPixels > 5, "no legend right of the plot area " + plot);
        // and no legend box inside the plot's top-right corner, where XChart's default (InsideNE) draws it
        for (int px = (int) (plot.getMaxX() - legend.getWidth()); px < plot.getMaxX() - 2; px++) {
            for (int py = (int) plot.getY() + 2; py < plot.getY() + legend.getHeight(); py++) {
                inPlotRight += (img.getRGB(px, py) & 0xFFFFFF) == 0xC0C0C0 ? 1 : 0; // the legend's light grey border
            }
        }
        assertEquals(0, inPlotRight, "a legend border inside the plot area");
        Figure.write(dir.resolve("f"), 1, 640, 420, List.of(p));
        assertTrue(Files.readString(dir.resolve("f.svg")).contains("<title>gap</title>"));
    }

    /** The chart part's bounds after painting (XChart keeps them in protected fields). */
    private static Rectangle2D bounds(XYChart c, String field) throws Exception {
        java.lang.reflect.Field f = org.knowm.xchart.internal.chartpart.Chart.class.getDeclaredField(field);
        f.setAccessible(true);
        Object part = f.get(c);
        return (Rectangle2D) part.getClass().getMethod("getBounds").invoke(part);
    }
}
