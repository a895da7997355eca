package dev.tangent.data;

import dev.tangent.io.Npy;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs reference computations in Debian's python3 with numpy/scipy (always {@code /usr/bin/python3}: the python3 on
 * PATH may lack numpy) and reads back what they save as {@code .npy}.
 */
public final class ReferencePython {
    public static final String PYTHON = "/usr/bin/python3";

    private ReferencePython() {
    }

    /** Runs {@code script} with {@code python3 -c}, fails the test on a non-zero exit, returns stdout stripped. */
    public static String run(String script) throws IOException, InterruptedException {
        assertTrue(Files.isExecutable(Path.of(PYTHON)), "this test needs " + PYTHON + " with numpy and scipy");
        Process p = new ProcessBuilder(PYTHON, "-c", script).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "python timed out");
        assertEquals(0, p.exitValue(), "python failed:\n" + out);
        return out.strip();
    }

    /** The values of a 1-D or 2-D {@code .npy} file, row-major, as doubles. */
    public static double[] values(Path npy) {
        try (Matrix m = Npy.readMatrix(npy, DType.F64, npy.getFileName().toString())) {
            double[] out = new double[m.rows() * m.cols()];
            for (int i = 0; i < m.rows(); i++) {
                for (int j = 0; j < m.cols(); j++) {
                    out[i * m.cols() + j] = m.get(i, j);
                }
            }
            return out;
        }
    }

    /** A python string literal of a path. */
    public static String quote(Path p) {
        return "r'" + p.toAbsolutePath() + "'";
    }
}
