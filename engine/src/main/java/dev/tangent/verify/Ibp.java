package dev.tangent.verify;

import dev.tangent.compute.Backend;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import dev.tangent.network.FullyConnected;

/**
 * Interval bound propagation through a {@link FullyConnected} network in NTK parameterisation (spec §6.5): for the box
 * [x − δ, x + δ] on every input (not intersected with the pixel range, as the reference), each linear layer with
 * fan-in s maps centre and radius as μ′ = Wμ/√s, r′ = |W|r/√s, and ReLU is applied to both ends.
 *
 * <p>Batched over test points: the first layer's centre W¹x/√d does not depend on δ and its radius is
 * δ·rowsum|W¹|/√d, so {@link #firstLayer} computes it once per point with one GEMM and every probe after that costs
 * O(m) per point for a two-layer network (plus two GEMMs on the m×m layers for deeper ones).
 */
public final class Ibp implements AutoCloseable {
    private final FullyConnected net;
    private final DType dtype;
    private final int width;
    /** rowsum|W¹| / √d */
    private final double[] firstRadius;
    /** |Wᵏ| for k = 1..depth (the output row last) */
    private final Matrix[] abs;

    public Ibp(FullyConnected net) {
        this.net = net;
        this.dtype = net.dtype();
        this.width = net.width();
        Matrix w1 = net.weight(0);
        firstRadius = new double[width];
        double s = 1 / Math.sqrt(net.inputDim());
        for (int i = 0; i < width; i++) {
            double a = 0;
            for (int j = 0; j < w1.cols(); j++) {
                a += Math.abs(w1.get(i, j));
            }
            firstRadius[i] = a * s;
        }
        abs = new Matrix[net.depth()];
        try {
            for (int k = 1; k <= net.depth(); k++) {
                Matrix w = net.weight(k);
                Matrix a = Matrix.allocate(w.rows(), w.cols(), dtype);
                for (int i = 0; i < w.rows(); i++) {
                    for (int j = 0; j < w.cols(); j++) {
                        a.set(i, j, Math.abs(w.get(i, j)));
                    }
                }
                abs[k - 1] = a;
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    public FullyConnected network() {
        return net;
    }

    /** The first layer's pre-activation centres W¹x/√d for every row of {@code x} (B × m, the network's dtype). */
    public Matrix firstLayer(Backend backend, Matrix x) {
        Matrix xs = x.dtype() == dtype ? x : x.copy(dtype);
        try {
            Matrix z = Matrix.allocate(x.rows(), width, dtype);
            backend.gemm(false, true, 1 / Math.sqrt(net.inputDim()), xs, net.weight(0), 0.0, z);
            return z;
        } finally {
            if (xs != x) {
                xs.close();
            }
        }
    }

    /**
     * Output bounds for row b of {@code z1} (from {@link #firstLayer}) over the box of radius {@code delta[b]}.
     * With all deltas 0 both bounds equal f(x).
     */
    public void bounds(Backend backend, Matrix z1, double[] delta, double[] lower, double[] upper) {
        int b = z1.rows();
        double sm = 1 / Math.sqrt(width);
        Matrix l = Matrix.allocate(b, width, dtype);
        Matrix u = Matrix.allocate(b, width, dtype);
        try {
            for (int i = 0; i < b; i++) {
                double dl = delta[i];
                for (int j = 0; j < width; j++) {
                    double z = z1.get(i, j);
                    double r = dl * firstRadius[j];
                    l.set(i, j, Math.max(z - r, 0));
                    u.set(i, j, Math.max(z + r, 0));
                }
            }
            for (int k = 1; k <= net.depth(); k++) {
                boolean last = k == net.depth();
                Matrix w = net.weight(k);
                centreRadius(l, u);
                Matrix mu = Matrix.allocate(b, w.rows(), dtype);
                Matrix rad = Matrix.allocate(b, w.rows(), dtype);
                try {
                    backend.gemm(false, true, sm, l, w, 0.0, mu);
                    backend.gemm(false, true, sm, u, abs[k - 1], 0.0, rad);
                    if (last) {
                        for (int i = 0; i < b; i++) {
                            lower[i] = mu.get(i, 0) - rad.get(i, 0);
                            upper[i] = mu.get(i, 0) + rad.get(i, 0);
                        }
                    } else {
                        for (int i = 0; i < b; i++) {
                            for (int j = 0; j < width; j++) {
                                double c = mu.get(i, j);
                                double r = rad.get(i, j);
                                l.set(i, j, Math.max(c - r, 0));
                                u.set(i, j, Math.max(c + r, 0));
                            }
                        }
                    }
                } finally {
                    mu.close();
                    rad.close();
                }
            }
        } finally {
            l.close();
            u.close();
        }
    }

    /** Turns (lower, upper) into (centre, radius) in place. */
    private static void centreRadius(Matrix l, Matrix u) {
        for (int i = 0; i < l.rows(); i++) {
            for (int j = 0; j < l.cols(); j++) {
                double a = l.get(i, j);
                double c = u.get(i, j);
                l.set(i, j, (a + c) / 2);
                u.set(i, j, (c - a) / 2);
            }
        }
    }

    @Override
    public void close() {
        for (Matrix a : abs) {
            if (a != null) {
                a.close();
            }
        }
    }
}
