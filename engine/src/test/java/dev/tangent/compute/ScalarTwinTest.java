package dev.tangent.compute;

import dev.tangent.kernel.KernelSpec;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The loop twins that a process runs until the Vector API code is compiled ({@link Warmup}: a one-shot Gram of
 * moderate size never compiles it) must give the same bits as that code, or a Gram's entries would depend on how much
 * the process had computed before: the row map on centred (mixed-sign), one-sided (positive, and negative: rows that
 * are the negatives of columns), tail-length and zero-norm rows, and the scalar transposition, compared bit for bit in
 * both dtypes.
 */
class ScalarTwinTest {
    @ParameterizedTest
    @CsvSource({"F32,2,NTK", "F64,2,NTK", "F32,1,NNGP", "F64,3,NTK"})
    void scalarRowsGiveTheVectorRowsBits(DType dtype, int depth, KernelSpec.Kind kind) {
        KernelSpec spec = KernelSpec.fc(kind, depth, 1.0, 0);
        HomogeneousMap hm = CpuProvider.homogeneous(spec);
        int n = 301; // four-vector blocks, single vectors and scalar tails for every species width
        int d = 17;
        SplittableRandom r = new SplittableRandom(42);
        try (Matrix x = Matrix.allocate(n, d, dtype); Matrix a = Matrix.allocate(n, n, dtype); Matrix b = Matrix.allocate(n, n, dtype)) {
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < d; k++) {
                    // rows below 100 non-negative (one-sided cosines), 100–149 their negatives (all cosines with rows
                    // below 100 negative), row 150 zero (u = ±0), the rest centred
                    x.set(i, k, i < 100 ? r.nextDouble() : i < 150 ? -x.get(i - 100, k) : i == 150 ? 0 : r.nextDouble(-1, 1));
                }
            }
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    double dot = 0;
                    for (int k = 0; k < d; k++) {
                        dot += x.get(i, k) * x.get(j, k);
                    }
                    a.set(i, j, dot);
                    b.set(i, j, dot);
                }
            }
            double[] nx = PanelGram.squaredNorms(x);
            HomogeneousMap.Norms nn = new HomogeneousMap.Norms(nx);
            double scale = spec.input().scale(d);
            // blocks whose rows are all one-sided (positive, negative), then the rest of the matrix (mixed rows, tails)
            int[][] blocks = {{0, 100, 0, 100}, {100, 150, 0, 100}, {0, 100, 100, n}, {100, 150, 100, n}, {150, n, 0, n}};
            for (int[] bl : blocks) {
                Matrix va = a.view(bl[0], bl[2], bl[1] - bl[0], bl[3] - bl[2]);
                Matrix vb = b.view(bl[0], bl[2], bl[1] - bl[0], bl[3] - bl[2]);
                hm.map(dtype, va.rows(), va.cols(), va.segment(), va.offset(), va.ld(), nn, bl[0], nn, bl[2], scale, true);
                hm.map(dtype, vb.rows(), vb.cols(), vb.segment(), vb.offset(), vb.ld(), nn, bl[0], nn, bl[2], scale, false);
            }
            assertTrue(a.get(120, 5) < a.get(20, 5), "block (100–149) × (0–99) is the negative side");
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    assertEquals(Double.doubleToRawLongBits(a.get(i, j)), Double.doubleToRawLongBits(b.get(i, j)),
                            spec + " " + dtype + " entry (" + i + ", " + j + "): vector " + a.get(i, j) + ", scalar " + b.get(i, j));
                }
            }
            try (Matrix t1 = Matrix.allocate(n - 3, n, dtype); Matrix t2 = Matrix.allocate(n - 3, n, dtype)) {
                Matrix src = a.view(0, 0, n, n - 3);
                Blocks.transposeInto(src, t1);
                if (dtype == DType.F64) {
                    VectorKernels64.transposeScalar(n, n - 3, src.segment(), src.offset(), src.ld(), t2.segment(), t2.offset(), t2.ld());
                } else {
                    VectorKernels32.transposeScalar(n, n - 3, src.segment(), src.offset(), src.ld(), t2.segment(), t2.offset(), t2.ld());
                }
                for (int i = 0; i < n - 3; i++) {
                    for (int j = 0; j < n; j++) {
                        assertEquals(src.get(j, i), t1.get(i, j));
                        assertEquals(Double.doubleToRawLongBits(t1.get(i, j)), Double.doubleToRawLongBits(t2.get(i, j)));
                    }
                }
            }
        }
    }
}
