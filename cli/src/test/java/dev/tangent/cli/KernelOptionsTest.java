package dev.tangent.cli;

import dev.tangent.compute.KernelProviders;
import dev.tangent.io.Npy;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.kernel.NtkRecursion;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --kernel SPEC} and {@code --backend} end to end: any layer stack through every provider, paper B's ntk2 against
 * numpy, the conflicts with the --depth shorthand, and the scalar provider chosen, with its reason, in a JVM started
 * without the Vector API module.
 */
class KernelOptionsTest {
    @TempDir
    Path dir;

    private Path npy(String name, int n, int d, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        try (Matrix m = Matrix.allocate(n, d, DType.F64)) {
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < d; j++) {
                    m.set(i, j, r.nextDouble(-1, 1));
                }
            }
            Path p = dir.resolve(name);
            Npy.write(p, m);
            return p;
        }
    }

    /** Any stack, any provider: entries equal the layers' scalar rules within 1e-12 of max|K| (f64). */
    @Test
    void anyLayerStackOnEveryBackend() {
        Path x = npy("x.npy", 19, 7, 1);
        String spec = "nngp:dense(1.2,0.1),erf(1,0.8,0),dense,leaky_relu(0.1),dense";
        for (String backend : List.of("openblas", "java", "scalar")) {
            Path out = dir.resolve("K-" + backend + ".npy");
            Cli.Outcome o = Cli.run("gram", "--x", x.toString(), "--kernel", spec, "--backend", backend, "--out", out.toString());
            assertEquals(0, o.code(), o.err());
            assertTrue(o.out().contains(KernelSpec.parse(spec).toString()), o.out());
            try (Matrix k = Npy.readMatrix(out, DType.F64, ""); Matrix a = Npy.readMatrix(x, DType.F64, "")) {
                double max = 0;
                double[][] ref = new double[19][19];
                for (int i = 0; i < 19; i++) {
                    for (int j = 0; j < 19; j++) {
                        ref[i][j] = NtkRecursion.pair(KernelSpec.parse(spec), a.row(i), a.row(j)).nngp();
                        max = Math.max(max, Math.abs(ref[i][j]));
                    }
                }
                for (int i = 0; i < 19; i++) {
                    for (int j = 0; j < 19; j++) {
                        assertEquals(ref[i][j], k.get(i, j), 1e-12 * max, backend + " K[" + i + "][" + j + "]");
                    }
                }
            }
        }
    }

    /**
     * Paper B's NTK2 (spec §7.5) against numpy: ‖x‖‖z‖[u(1 − arccos(u)/π) + √(1−u²)/(2π)], 1e-12 of max|K| (random
     * mixed-sign points of d = 12 are far from collinear, where arccos would amplify the cosine's rounding).
     */
    @Test
    void ntk2EqualsNumpy() throws Exception {
        Path x = npy("x.npy", 31, 12, 2);
        Path out = dir.resolve("K.npy");
        assertEquals(0, Cli.run("gram", "--x", x.toString(), "--kernel", "ntk2", "--out", out.toString()).code());
        String py = "import numpy as np\n"
                + "x = np.load('" + x + "'); k = np.load('" + out + "')\n"
                + "n = np.linalg.norm(x, axis=1); u = np.clip(x @ x.T / np.outer(n, n), -1, 1)\n"
                // the diagonal's cosine is exactly 1 (numpy's rounded 1 - 1e-16 would put arccos's sqrt(eps) error there)
                + "np.fill_diagonal(u, 1)\n"
                + "ref = np.outer(n, n) * (u * (1 - np.arccos(u) / np.pi) + np.sqrt(1 - u * u) / (2 * np.pi))\n"
                + "err = np.abs(k - ref).max() / np.abs(ref).max()\n"
                + "assert err < 1e-12, err\nprint('ok')\n";
        Process p = new ProcessBuilder("/usr/bin/python3", "-c", py).redirectErrorStream(true).start();
        String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals("ok", s.strip());
    }

    @Test
    void kernelAndDepthConflict() {
        Path x = npy("x.npy", 3, 2, 3);
        Path out = dir.resolve("K.npy");
        Cli.assertBadInput(out, "--kernel and --depth", "gram", "--x", x.toString(), "--kernel", "ntk2", "--depth", "2", "--out", out.toString());
        Cli.assertBadInput(out, "'--depth=L' or '--kernel=SPEC'", "gram", "--x", x.toString(), "--out", out.toString());
        Cli.assertBadInput(out, "unknown layer 'tanh'", "gram", "--x", x.toString(), "--kernel", "ntk:dense,tanh,dense", "--out", out.toString());
        if (KernelProviders.gpu().provider() == null) { // a machine without a usable GPU: the reason, exit 2
            Cli.assertBadInput(out, "--backend cuda: CUDA is unavailable: ", "gram", "--x", x.toString(), "--depth", "1", "--backend", "cuda",
                    "--out", out.toString());
        }
    }

    /**
     * A JVM without {@code --add-modules jdk.incubator.vector} (as {@code java -jar} without the launcher) runs the scalar
     * provider, says why on stderr, and writes the same Gram as the in-process CPU provider (1e-12 of max|K|).
     */
    @Test
    void withoutTheVectorApiTheScalarProviderRuns() throws Exception {
        Path x = npy("x.npy", 21, 9, 4);
        Path ref = dir.resolve("ref.npy");
        assertEquals(0, Cli.run("gram", "--x", x.toString(), "--depth", "2", "--bias-std", "0.1", "--out", ref.toString()).code());
        Path out = dir.resolve("scalar.npy");
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "dev.tangent.cli.Main", "gram", "--x", x.toString(), "--depth", "2", "--bias-std", "0.1", "--out", out.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), log);
        assertEquals(0, p.exitValue(), log);
        assertTrue(log.contains("Vector API module not readable") && log.contains("scalar provider"), log);
        try (Matrix a = Npy.readMatrix(ref, DType.F64, ""); Matrix b = Npy.readMatrix(out, DType.F64, "")) {
            double max = 0;
            for (int i = 0; i < 21; i++) {
                for (int j = 0; j < 21; j++) {
                    max = Math.max(max, Math.abs(a.get(i, j)));
                }
            }
            for (int i = 0; i < 21; i++) {
                for (int j = 0; j < 21; j++) {
                    assertEquals(a.get(i, j), b.get(i, j), 1e-12 * max);
                }
            }
        }
    }
}
