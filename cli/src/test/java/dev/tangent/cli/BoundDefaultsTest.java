package dev.tangent.cli;

import dev.tangent.io.Npy;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import dev.tangent.report.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12, acceptance 3: {@code tangent bound} with its defaults (paper A's svm_gene.yaml) on Fashion-MNIST 0 vs 1
 * either produces a bound or says exactly why not, in the output, run.json and the figure. On these data the path
 * kernel's quadratic form aᵀK_t a is negative from the first step on: the run says so, with the class shares, and the
 * saved arrays agree with what it says (a bound exactly where aᵀK_t a ≥ 0 and tr K_t ≥ 0).
 */
class BoundDefaultsTest {
    @TempDir
    Path dir;

    private static double[] vector(Path p) {
        try (Matrix m = Npy.readMatrix(p, DType.F64, "")) {
            double[] v = new double[m.rows()];
            for (int i = 0; i < v.length; i++) {
                v[i] = m.get(i, 0);
            }
            return v;
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void defaultsOnFashionMnistZeroOneGiveABoundOrSayWhyNot() throws Exception {
        assertTrue(Files.isDirectory(Path.of("/usr/share/datasets/fashion-mnist")), "needs Debian's dataset-fashion-mnist (scripts/test.sh)");
        Path out = dir.resolve("b");
        Cli.Outcome o = Cli.run("bound", "--train", "fashion-mnist:train", "--test", "fashion-mnist:test", "--classes", "0,1", "--out",
                out.toString());
        assertEquals(0, o.code(), o.err());
        Map<String, Object> run = (Map<String, Object>) Json.parse(Files.readString(out.resolve("run.json")));
        double[] bound = vector(out.resolve("bound.npy"));
        double[] quad = vector(out.resolve("quadratic_form.npy"));
        double[] trace = vector(out.resolve("trace.npy"));
        assertEquals(100, bound.length);
        int missing = 0;
        int negativeQuad = 0;
        for (int e = 0; e < bound.length; e++) {
            boolean defined = quad[e] >= 0 && trace[e] >= 0;
            assertEquals(defined, !Double.isNaN(bound[e]), "epoch " + e + ": a bound exactly where a^T K a >= 0 and tr K >= 0");
            missing += defined ? 0 : 1;
            negativeQuad += quad[e] < 0 ? 1 : 0;
        }
        assertEquals((double) missing, run.get("epochs_without_bound"));
        if (missing == 0) {
            assertTrue(o.out().contains(": bound "), o.out());
            return;
        }
        String reason = "no bound at " + missing + " of 100 epochs";
        assertTrue(o.out().contains(reason + " (t = "), o.out());
        assertTrue(o.out().contains("a^T K_t a < 0 at " + negativeQuad + " of them"), o.out());
        assertTrue(String.valueOf(run.get("no_bound")).startsWith(reason), String.valueOf(run.get("no_bound")));
        assertTrue(String.valueOf(run.get("no_bound_detail")).contains("(columns of the +1 class)"), String.valueOf(run.get("no_bound_detail")));
        String svg = Files.readString(out.resolve("generalization.svg"));
        assertTrue(svg.contains("<desc>") && svg.contains("no bound at " + missing + "/100 epochs"), "the figure's loss panel says why");
    }
}
