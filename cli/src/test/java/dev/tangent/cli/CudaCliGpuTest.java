package dev.tangent.cli;

import dev.tangent.GpuTest;
import dev.tangent.compute.CudaTimings;
import dev.tangent.io.Npy;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The command line on a machine with an NVIDIA GPU (the {@code gpu} tier): {@code tangent info} names the device and
 * its libraries, and {@code tangent gram --backend cuda} writes the Gram the CPU provider writes, within 1e-10 (f64) /
 * 1e-4 (f32) of its largest entry.
 */
class CudaCliGpuTest {
    @TempDir
    Path dir;

    @GpuTest
    void infoNamesTheGpuAndItsLibraries() {
        Cli.Outcome o = Cli.run("info");
        assertEquals(0, o.code(), o.err());
        String gpu = o.out().lines().filter(l -> l.startsWith("GPU")).findFirst().orElseThrow();
        assertTrue(!gpu.contains("unavailable") && gpu.contains("driver CUDA") && gpu.contains("cuBLAS"), o.out());
        assertTrue(o.out().contains("auto -> cuda"), o.out());
    }

    @GpuTest
    void gramOnTheGpuIsTheCpuGram() {
        Path x = dir.resolve("x.npy");
        SplittableRandom r = new SplittableRandom(4);
        try (Matrix m = Matrix.allocate(2500, 64, DType.F64)) {
            for (int i = 0; i < m.rows(); i++) {
                for (int j = 0; j < m.cols(); j++) {
                    m.set(i, j, r.nextDouble());
                }
            }
            Npy.write(x, m);
        }
        for (String dtype : new String[] {"f64", "f32"}) {
            for (String kernel : new String[] {"ntk:dense,relu,dense,relu,dense", "nngp:dense(1,0.2),erf,dense"}) {
                Path g = dir.resolve("K-gpu.npy");
                Path c = dir.resolve("K-cpu.npy");
                Cli.Outcome og = Cli.run("gram", "--x", x.toString(), "--kernel", kernel, "--dtype", dtype, "--backend", "cuda", "--out",
                        g.toString());
                assertEquals(0, og.code(), og.err());
                Cli.Outcome oc = Cli.run("gram", "--x", x.toString(), "--kernel", kernel, "--dtype", dtype, "--backend", "openblas", "--out",
                        c.toString());
                assertEquals(0, oc.code(), oc.err());
                try (Matrix a = Npy.readMatrix(g, DType.F64, ""); Matrix b = Npy.readMatrix(c, DType.F64, "")) {
                    double[] dm = CudaTimings.difference(a, b);
                    assertTrue(dm[0] <= (dtype.equals("f64") ? 1e-10 : 1e-4) * dm[1] && dm[2] == 1,
                            kernel + " " + dtype + ": " + dm[0] + " of " + dm[1] + ", symmetric: " + dm[2]);
                }
            }
        }
    }
}
