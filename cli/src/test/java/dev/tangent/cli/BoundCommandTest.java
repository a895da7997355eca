package dev.tangent.cli;

import dev.tangent.io.Npy;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import dev.tangent.report.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tangent bound} reports the final bound at the requested δ and at 0.99, 0.05 and 0.01, in its output and in
 * run.json, each equal to L_S + 2R̂ + 3·√(ln(2/δ)/(2n)) recomputed from the saved arrays (spec §5.3).
 */
class BoundCommandTest {
    @TempDir
    Path dir;

    private Path[] data(int n) {
        SplittableRandom r = new SplittableRandom(3);
        try (Matrix x = Matrix.allocate(n, 8, DType.F64)) {
            double[] y = new double[n];
            for (int i = 0; i < n; i++) {
                y[i] = i % 2 == 0 ? 1 : -1;
                for (int j = 0; j < 8; j++) {
                    x.set(i, j, r.nextDouble() + (y[i] < 0 ? 0.5 : 0)); // class −1 larger: tr K > 0
                }
            }
            Npy.write(dir.resolve("x.npy"), x);
            Npy.writeVector(dir.resolve("y.npy"), y);
        }
        return new Path[] {dir.resolve("x.npy"), dir.resolve("y.npy")};
    }

    private static double last(Path npy) {
        try (Matrix m = Npy.readMatrix(npy, DType.F64, "")) {
            return m.get(m.rows() - 1, 0);
        }
    }

    @Test
    void finalBoundIsReportedAtTheRequestedAndTheThreeReferenceDeltas() throws IOException {
        Path[] d = data(40);
        for (String delta : new String[] {null, "0.2"}) {
            Path out = dir.resolve("bound" + (delta == null ? "" : delta));
            List<String> args = new java.util.ArrayList<>(List.of("bound", "--train", d[0].toString(), "--train-labels", d[1].toString(),
                    "--size", "40", "--width", "16", "--epochs", "5", "--out", out.toString()));
            if (delta != null) {
                args.addAll(List.of("--delta", delta));
            }
            Cli.Outcome o = Cli.run(args.toArray(String[]::new));
            assertEquals(0, o.code(), o.err());
            Map<?, ?> run = (Map<?, ?>) Json.parse(Files.readString(out.resolve("run.json")));
            List<?> byDelta = (List<?>) run.get("final_bound_by_delta");
            double[] expected = delta == null ? new double[] {0.99, 0.05, 0.01} : new double[] {0.2, 0.99, 0.05, 0.01};
            assertEquals(expected.length, byDelta.size(), String.valueOf(byDelta));
            // L_S + 2R̂ from the saved arrays: the KM train hinge, aᵀKa and tr K of the last epoch, n = 40
            double rest = last(out.resolve("km_train_hinge.npy"))
                    + 2 * Math.sqrt(last(out.resolve("quadratic_form.npy"))) * Math.sqrt(last(out.resolve("trace.npy"))) / 40;
            for (int k = 0; k < expected.length; k++) {
                Map<?, ?> e = (Map<?, ?>) byDelta.get(k);
                double dk = ((Number) e.get("delta")).doubleValue();
                assertEquals(expected[k], dk);
                double constant = 3 * Math.sqrt(Math.log(2 / dk) / (2 * 40.0));
                assertEquals(constant, ((Number) e.get("confidence_term")).doubleValue(), 1e-15, "constant at delta " + dk);
                double bound = ((Number) e.get("final_bound")).doubleValue();
                assertEquals(rest + constant, bound, 1e-12 * (rest + constant), "bound at delta " + dk);
                assertTrue(o.out().contains("delta " + dk + ": " + String.format(java.util.Locale.ROOT, "%.4f", bound)), o.out());
            }
            // the curve (bound.npy, final_bound) is at the requested delta
            double first = ((Number) ((Map<?, ?>) byDelta.get(0)).get("final_bound")).doubleValue();
            assertEquals(first, ((Number) run.get("final_bound")).doubleValue());
            assertEquals(first, last(out.resolve("bound.npy")));
        }
    }
}
