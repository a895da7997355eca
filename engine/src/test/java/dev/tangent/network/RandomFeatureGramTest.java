package dev.tangent.network;

import dev.tangent.TestData;
import dev.tangent.compute.Backend;
import dev.tangent.compute.JavaBackend;
import dev.tangent.compute.KernelMatrix;
import dev.tangent.compute.KernelProvider;
import dev.tangent.compute.KernelProviders;
import dev.tangent.data.ReferencePython;
import dev.tangent.io.Npy;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 16: the streamed finite-width RF Gram equals {@code RF_Kernel_Gen.py}'s loop run by numpy (seed once, per
 * block {@code W = normal(size=(d, p)) / sqrt(d)}, K = 11ᵀ + Σ ZZᵀ, K_test = 11ᵀ + Σ Z_t Zᵀ, int(N/p) blocks), here
 * with a width that leaves a partial block out and chunks that do not divide the block. The draws are bit-exact; the
 * sums differ only in order, within 1e-13 of the Gram's largest entry (≤ 250 terms per entry). The result is adopted
 * by a provider as a precomputed kernel.
 */
class RandomFeatureGramTest {
    @TempDir
    Path dir;

    @Test
    void streamedGramEqualsTheReferenceLoop() throws Exception {
        Backend backend = new JavaBackend(2);
        int n = 30;
        int nt = 12;
        int d = 7;
        try (Matrix x = TestData.uniform(n, d, DType.F32, 41); Matrix xt = TestData.uniform(nt, d, DType.F32, 42);
             Matrix k = Matrix.allocate(n, n, DType.F64); Matrix kt = Matrix.allocate(nt, n, DType.F64)) {
            Npy.write(dir.resolve("x.npy"), x);
            Npy.write(dir.resolve("xt.npy"), xt);
            RandomFeatureGram.compute(backend, x, xt, 250, 100, 1990, 40, k, kt, KernelProvider.Progress.NONE);
            ReferencePython.run(String.join("\n",
                    "import numpy as np, os",
                    "out = " + ReferencePython.quote(dir),
                    "X = np.load(os.path.join(out, 'x.npy')); Xt = np.load(os.path.join(out, 'xt.npy'))",
                    "n, d, nt, N, p = X.shape[0], X.shape[1], Xt.shape[0], 250, 100",
                    "K = np.ones((n, n)); KT = np.ones((nt, n))",
                    "np.random.seed(1990)",
                    "for i in range(int(N / p)):",
                    "    W = np.random.normal(size=(d, p)) / np.sqrt(d)",
                    "    Z = np.maximum(0, np.dot(X, W)); K += np.dot(Z, Z.T)",
                    "    ZT = np.maximum(0, np.dot(Xt, W)); KT += np.dot(ZT, Z.T)",
                    "np.save(os.path.join(out, 'K.npy'), K); np.save(os.path.join(out, 'KT.npy'), KT)"));
            compare(Npy.readMatrix(dir.resolve("K.npy"), DType.F64, "K"), k);
            compare(Npy.readMatrix(dir.resolve("KT.npy"), DType.F64, "KT"), kt);
            KernelProvider provider = KernelProviders.select("auto", 1).provider();
            try (KernelMatrix adopted = provider.adopt(k.copy(DType.F64))) {
                assertEquals(k.get(3, 17), adopted.get(3, 17));
            }
        }
    }

    private static void compare(Matrix expected, Matrix actual) {
        try (expected) {
            double scale = 0;
            double worst = 0;
            for (int i = 0; i < expected.rows(); i++) {
                for (int j = 0; j < expected.cols(); j++) {
                    scale = Math.max(scale, Math.abs(expected.get(i, j)));
                    worst = Math.max(worst, Math.abs(expected.get(i, j) - actual.get(i, j)));
                }
            }
            assertTrue(worst <= 1e-13 * scale, "worst difference " + worst + " at scale " + scale);
        }
    }
}
