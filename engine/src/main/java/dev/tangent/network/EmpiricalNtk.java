package dev.tangent.network;

import dev.tangent.TangentException;
import dev.tangent.compute.Backend;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;

import java.util.List;

/**
 * The empirical (finite-width) tangent kernel Θ̂(x, x′) = ⟨∂f/∂θ(x), ∂f/∂θ(x′)⟩ of a {@link FullyConnected} network
 * (spec §3.4), over all parameters.
 */
public final class EmpiricalNtk {
    private EmpiricalNtk() {
    }

    /**
     * The closed form for one hidden layer, batched: with Z = X W¹ᵀ/√d, A = σ(Z) and D = σ′(Z)·diag(w),
     * Θ̂ = A_X A_Yᵀ / m + (X Yᵀ / d) ⊙ (D_X D_Yᵀ) / m. Two GEMMs of width m plus one of width d.
     */
    public static Matrix twoLayer(Backend backend, FullyConnected net, Matrix x, Matrix y) {
        if (net.depth() != 1) {
            throw new TangentException("the closed-form empirical NTK needs depth 1, found " + net.depth());
        }
        int m = net.width();
        int d = net.inputDim();
        DType t = net.dtype();
        try (Matrix ax = features(backend, net, x, false); Matrix ay = features(backend, net, y, false);
             Matrix dx = features(backend, net, x, true); Matrix dy = features(backend, net, y, true);
             Matrix xy = Matrix.allocate(x.rows(), y.rows(), t); Matrix dd = Matrix.allocate(x.rows(), y.rows(), t)) {
            Matrix k = Matrix.allocate(x.rows(), y.rows(), t);
            backend.gemm(false, true, 1.0 / m, ax, ay, 0.0, k);
            backend.gemm(false, true, 1.0 / d, x, y, 0.0, xy);
            backend.gemm(false, true, 1.0 / m, dx, dy, 0.0, dd);
            for (int i = 0; i < k.rows(); i++) {
                for (int j = 0; j < k.cols(); j++) {
                    k.set(i, j, k.get(i, j) + xy.get(i, j) * dd.get(i, j));
                }
            }
            return k;
        }
    }

    /** σ(Z) (or σ′(Z)·w_j when {@code derivative}) for Z = X W¹ᵀ/√d. */
    private static Matrix features(Backend backend, FullyConnected net, Matrix x, boolean derivative) {
        Matrix z = Matrix.allocate(x.rows(), net.width(), net.dtype());
        backend.gemm(false, true, 1 / Math.sqrt(net.inputDim()), x, net.weight(0), 0.0, z);
        Matrix w = net.weight(1);
        for (int i = 0; i < z.rows(); i++) {
            for (int j = 0; j < z.cols(); j++) {
                double v = z.get(i, j);
                z.set(i, j, derivative ? (v > 0 ? w.get(0, j) : 0) : Math.max(v, 0));
            }
        }
        return z;
    }

    /**
     * Any depth, from per-sample gradients (one backward pass per point): O(n·P) memory for P parameters, meant for
     * moderate widths and as the second implementation the closed form is tested against.
     */
    public static Matrix fromJacobians(Backend backend, FullyConnected net, Matrix x) {
        int n = x.rows();
        long p = net.parameterCount();
        if ((long) n * p > 1L << 28) {
            throw new TangentException("the Jacobian empirical NTK needs n x parameters = " + n * p + " values; use fewer points or a smaller width");
        }
        double[][] jac = new double[n][];
        for (int i = 0; i < n; i++) {
            try (Matrix xi = x.rows(i, 1).copy(net.dtype()); FullyConnected.Activations a = net.forwardKeep(backend, xi)) {
                List<Matrix> g = net.backward(backend, a, new double[] {1});
                double[] flat = new double[(int) p];
                int at = 0;
                for (Matrix gk : g) {
                    for (int r = 0; r < gk.rows(); r++) {
                        for (int c = 0; c < gk.cols(); c++) {
                            flat[at++] = gk.get(r, c);
                        }
                    }
                    gk.close();
                }
                jac[i] = flat;
            }
        }
        Matrix k = Matrix.allocate(n, n, DType.F64);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = 0;
                for (int q = 0; q < p; q++) {
                    s += jac[i][q] * jac[j][q];
                }
                k.set(i, j, s);
                k.set(j, i, s);
            }
        }
        return k;
    }
}
