package dev.tangent.network;

import dev.tangent.TangentException;
import dev.tangent.compute.Backend;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Paper A's bias-free fully-connected ReLU network in NTK parameterisation (spec §3.1), scalar output:
 * <pre>
 *   z¹ = W¹ x / √d,  a¹ = σ(z¹);   zᵏ = Wᵏ aᵏ⁻¹ / √m,  aᵏ = σ(zᵏ)  (k = 2..depth);   f(x) = w·a^depth / √m
 * </pre>
 * with every weight drawn i.i.d. N(0, 1) from a seed ({@link SplittableRandom}; torch's generator is not reproduced,
 * so runs are statistically, not bitwise, comparable with the reference). {@code depth} counts the hidden ReLU layers,
 * as {@code --depth} of the kernels (paper A's hidden_layer + 1). Weights live off-heap in f32 or f64; a batch of
 * inputs is a row-major B × d matrix and every layer is one GEMM on the backend.
 */
public final class FullyConnected implements AutoCloseable {
    private final int d;
    private final int width;
    private final DType dtype;
    /** weights.get(0) = W¹ (m × d), then Wᵏ (m × m), last the output row w (1 × m). */
    private final List<Matrix> weights;

    private FullyConnected(int d, int width, DType dtype, List<Matrix> weights) {
        this.d = d;
        this.width = width;
        this.dtype = dtype;
        this.weights = weights;
    }

    /** A network with N(0, 1) weights from {@code seed}. */
    public static FullyConnected init(int d, int width, int depth, DType dtype, long seed) {
        if (d < 1 || width < 1 || depth < 1) {
            throw new TangentException("network needs d >= 1, --width >= 1 and --depth >= 1, found d " + d + ", width "
                    + width + ", depth " + depth);
        }
        SplittableRandom rng = new SplittableRandom(seed);
        List<Matrix> ws = new ArrayList<>();
        try {
            ws.add(gaussian(width, d, dtype, rng));
            for (int k = 1; k < depth; k++) {
                ws.add(gaussian(width, width, dtype, rng));
            }
            ws.add(gaussian(1, width, dtype, rng));
        } catch (RuntimeException e) {
            ws.forEach(Matrix::close);
            throw e;
        }
        return new FullyConnected(d, width, dtype, ws);
    }

    private static Matrix gaussian(int rows, int cols, DType dtype, SplittableRandom rng) {
        Matrix m = Matrix.allocate(rows, cols, dtype);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                m.set(i, j, rng.nextGaussian());
            }
        }
        return m;
    }

    public int inputDim() {
        return d;
    }

    public int width() {
        return width;
    }

    public int depth() {
        return weights.size() - 1;
    }

    public DType dtype() {
        return dtype;
    }

    /** Layer k's weights (0 = W¹, depth = the output row); shared, not copied. */
    public Matrix weight(int k) {
        return weights.get(k);
    }

    /** The number of parameters. */
    public long parameterCount() {
        long p = 0;
        for (Matrix w : weights) {
            p += (long) w.rows() * w.cols();
        }
        return p;
    }

    /** A deep copy (θ₀ kept next to θ_t, say). */
    public FullyConnected copy() {
        List<Matrix> ws = new ArrayList<>();
        for (Matrix w : weights) {
            ws.add(w.copy(dtype));
        }
        return new FullyConnected(d, width, dtype, ws);
    }

    /** Activations of a forward pass: pre-activations zᵏ and post-activations aᵏ per hidden layer, and the outputs. */
    public static final class Activations implements AutoCloseable {
        final Matrix input;
        final List<Matrix> pre = new ArrayList<>();
        final List<Matrix> post = new ArrayList<>();
        final double[] output;

        Activations(Matrix input, int batch) {
            this.input = input;
            this.output = new double[batch];
        }

        public double[] output() {
            return output;
        }

        @Override
        public void close() {
            pre.forEach(Matrix::close);
            post.forEach(Matrix::close);
        }
    }

    /** f(x) for every row of {@code x} (B × d, the network's dtype). */
    public double[] forward(Backend backend, Matrix x) {
        try (Activations a = forwardKeep(backend, x)) {
            return a.output;
        }
    }

    /** The forward pass, keeping what {@link #backward} needs. */
    public Activations forwardKeep(Backend backend, Matrix x) {
        if (x.cols() != d || x.dtype() != dtype) {
            throw new TangentException("network input must be " + dtype + " with " + d + " features, found " + x);
        }
        int b = x.rows();
        Activations act = new Activations(x, b);
        try {
            Matrix in = x;
            double scale = 1 / Math.sqrt(d);
            for (int k = 0; k < depth(); k++) {
                Matrix z = Matrix.allocate(b, width, dtype);
                backend.gemm(false, true, scale, in, weights.get(k), 0.0, z);
                Matrix a = z.copy(dtype);
                Elementwise.relu(a);
                act.pre.add(z);
                act.post.add(a);
                in = a;
                scale = 1 / Math.sqrt(width);
            }
            try (Matrix f = Matrix.allocate(b, 1, dtype)) {
                backend.gemm(false, true, scale, in, weights.get(depth()), 0.0, f);
                for (int i = 0; i < b; i++) {
                    act.output[i] = f.get(i, 0);
                }
            }
            return act;
        } catch (RuntimeException e) {
            act.close();
            throw e;
        }
    }

    /**
     * Gradients of Σ_i dOut[i]·f(x_i) with respect to every weight matrix (same shapes as the weights), from the
     * activations of {@link #forwardKeep}. The caller closes the returned matrices.
     */
    public List<Matrix> backward(Backend backend, Activations act, double[] dOut) {
        int b = act.output.length;
        int depth = depth();
        List<Matrix> grads = new ArrayList<>();
        for (int k = 0; k <= depth; k++) {
            grads.add(null);
        }
        double sm = 1 / Math.sqrt(width);
        Matrix delta = null;
        try (Matrix g = Matrix.allocate(b, 1, dtype)) {
            for (int i = 0; i < b; i++) {
                g.set(i, 0, dOut[i]);
            }
            // output layer: dw = gᵀ·a^L / √m (1 × m); da^L = g·w / √m (B × m)
            Matrix gw = Matrix.allocate(1, width, dtype);
            backend.gemm(true, false, sm, g, act.post.get(depth - 1), 0.0, gw);
            grads.set(depth, gw);
            delta = Matrix.allocate(b, width, dtype);
            backend.gemm(false, false, sm, g, weights.get(depth), 0.0, delta);
            for (int k = depth - 1; k >= 0; k--) {
                Elementwise.maskPositive(delta, act.pre.get(k));
                Matrix in = k == 0 ? act.input : act.post.get(k - 1);
                double s = k == 0 ? 1 / Math.sqrt(d) : sm;
                Matrix gk = Matrix.allocate(width, in.cols(), dtype);
                backend.gemm(true, false, s, delta, in, 0.0, gk);
                grads.set(k, gk);
                if (k > 0) {
                    Matrix next = Matrix.allocate(b, width, dtype);
                    backend.gemm(false, false, sm, delta, weights.get(k), 0.0, next);
                    delta.close();
                    delta = next;
                }
            }
            return grads;
        } catch (RuntimeException e) {
            grads.stream().filter(m -> m != null).forEach(Matrix::close);
            throw e;
        } finally {
            if (delta != null) {
                delta.close();
            }
        }
    }

    /**
     * ∂f/∂x for every row of {@code x} (B × d, the network's dtype), as a new B × d matrix: the backward pass of
     * {@link #backward} carried one layer further, to the input.
     */
    public Matrix inputGradient(Backend backend, Matrix x) {
        int b = x.rows();
        double sm = 1 / Math.sqrt(width);
        try (Activations act = forwardKeep(backend, x); Matrix g = Matrix.allocate(b, 1, dtype)) {
            for (int i = 0; i < b; i++) {
                g.set(i, 0, 1.0);
            }
            Matrix delta = Matrix.allocate(b, width, dtype);
            try {
                backend.gemm(false, false, sm, g, weights.get(depth()), 0.0, delta);
                for (int k = depth() - 1; k >= 0; k--) {
                    Elementwise.maskPositive(delta, act.pre.get(k));
                    Matrix next = Matrix.allocate(b, k == 0 ? d : width, dtype);
                    backend.gemm(false, false, k == 0 ? 1 / Math.sqrt(d) : sm, delta, weights.get(k), 0.0, next);
                    delta.close();
                    delta = next;
                }
                Matrix out = delta;
                delta = null;
                return out;
            } finally {
                if (delta != null) {
                    delta.close();
                }
            }
        }
    }

    /**
     * One gradient-descent step on Σ_i dOut[i]·f(x_i) fused into the weights, without materialising the gradients:
     * each layer's update is one GEMM with beta = 1 onto the weights (after the next delta has been propagated with the
     * old weights), and the output row is first shrunk by (1 − lr·outputDecay), which adds outputDecay·w to its gradient
     * (the ℓ2 term of the reference and paper regularisers).
     */
    public void descend(Backend backend, Activations act, double[] dOut, double lr, double outputDecay) {
        int b = act.output.length;
        int depth = depth();
        double sm = 1 / Math.sqrt(width);
        try (Matrix g = Matrix.allocate(b, 1, dtype)) {
            for (int i = 0; i < b; i++) {
                g.set(i, 0, dOut[i]);
            }
            Matrix delta = Matrix.allocate(b, width, dtype);
            try {
                Matrix w = weights.get(depth);
                backend.gemm(false, false, sm, g, w, 0.0, delta);
                if (outputDecay != 0) {
                    Elementwise.axpy(-lr * outputDecay, w, w);
                }
                backend.gemm(true, false, -lr * sm, g, act.post.get(depth - 1), 1.0, w);
                for (int k = depth - 1; k >= 0; k--) {
                    Elementwise.maskPositive(delta, act.pre.get(k));
                    Matrix in = k == 0 ? act.input : act.post.get(k - 1);
                    double s = k == 0 ? 1 / Math.sqrt(d) : sm;
                    Matrix next = null;
                    if (k > 0) {
                        next = Matrix.allocate(b, width, dtype);
                        backend.gemm(false, false, sm, delta, weights.get(k), 0.0, next);
                    }
                    backend.gemm(true, false, -lr * s, delta, in, 1.0, weights.get(k));
                    if (next != null) {
                        delta.close();
                        delta = next;
                    }
                }
            } finally {
                delta.close();
            }
        }
    }

    /**
     * Saves the weights as {@code <prefix>_layer<k>.npy} (k = 0 is W¹, the last the output row) in {@code dir}, in the
     * network's dtype; {@link #load} reads them back bit-identically.
     */
    public void save(java.nio.file.Path dir, String prefix) {
        for (int k = 0; k < weights.size(); k++) {
            dev.tangent.io.Npy.write(dir.resolve(prefix + "_layer" + k + ".npy"), weights.get(k));
        }
    }

    /** Loads a network saved by {@link #save} with {@code depth} hidden layers. */
    public static FullyConnected load(java.nio.file.Path dir, String prefix, int depth, DType dtype) {
        List<Matrix> ws = new ArrayList<>();
        try {
            for (int k = 0; k <= depth; k++) {
                ws.add(dev.tangent.io.Npy.readMatrix(dir.resolve(prefix + "_layer" + k + ".npy"), dtype, "--model"));
            }
            int width = ws.get(0).rows();
            int d = ws.get(0).cols();
            for (int k = 1; k <= depth; k++) {
                Matrix w = ws.get(k);
                boolean ok = k < depth ? w.rows() == width && w.cols() == width : w.rows() == 1 && w.cols() == width;
                if (!ok) {
                    throw new TangentException(dir.resolve(prefix + "_layer" + k + ".npy") + ": shape " + w.rows() + " x " + w.cols()
                            + " does not fit a width-" + width + " network");
                }
            }
            return new FullyConnected(d, width, dtype, ws);
        } catch (RuntimeException e) {
            ws.forEach(Matrix::close);
            throw e;
        }
    }

    /** θ ← θ − lr·∇ for every layer. */
    public void step(List<Matrix> grads, double lr) {
        for (int k = 0; k < weights.size(); k++) {
            Elementwise.axpy(-lr, grads.get(k), weights.get(k));
        }
    }

    @Override
    public void close() {
        weights.forEach(Matrix::close);
    }
}
