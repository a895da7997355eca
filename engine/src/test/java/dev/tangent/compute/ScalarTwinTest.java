package dev.tangent.compute;

import dev.tangent.kernel.KernelSpec;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The scalar twins that a one-shot process runs while C2 compiles the Vector API loops ({@link Warmup}) must give the
 * same bits as those loops, or a Gram's entries would depend on how fast the JIT was: the row map on centred
 * (mixed-sign), one-sided and tail-length tiles, and the transposition, compared bit for bit in both dtypes.
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
                    // rows below 100 non-negative (one-sided cosines), the rest centred
                    x.set(i, k, i < 100 ? r.nextDouble() : r.nextDouble(-1, 1));
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
            hm.map(dtype, n, n, a.segment(), a.offset(), a.ld(), nn, 0, nn, 0, scale, true);
            hm.map(dtype, n, n, b.segment(), b.offset(), b.ld(), nn, 0, nn, 0, scale, false);
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
