package dev.tangent.network;

import dev.tangent.compute.Backend;
import dev.tangent.compute.NeuralTangentRows32;
import dev.tangent.compute.NeuralTangentRows64;
import dev.tangent.compute.Parallel;
import dev.tangent.data.rng.NumpyRandom;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Paper B's neural-tangent model ({@code model='2layerNTK'}, spec §7.3): the first-order Taylor expansion of a
 * two-layer ReLU network around a random initialisation, plus the random-features part. With the same frozen
 * unit-norm W as {@link RandomFeaturesModel} (the same draw) and a₀ (C × N) drawn next from the same stream:
 * <pre>
 *   ŷ_k(x) = Σ_j σ(⟨w_j, x⟩)·a_jk + c_k + Σ_j s_j(x)·a₀_kj·⟨G_j, x⟩,    s_j(x) = (sign(⟨w_j, x⟩) + 1)/2
 * </pre>
 * with trainable a (N × C, "layer2"), c (1 × C, "layer2_bias") and G (N × d, "layer1_var"), all 0 at initialisation.
 * The first-order regulariser is ρ‖G‖²/2 only. Per batch of B rows, besides the two B × d × N GEMMs P = X·Gᵀ and
 * ∂G = Mᵀ·X: one fused pass over the rows of Z = XW and P for ŷ (neither σ(Z) nor s ⊙ P is stored), and one over Z
 * that writes M = s ⊙ (∂ŷ·a₀) and sums ∂a = σ(Z)ᵀ·∂ŷ ({@link NeuralTangentRows64#outputs},
 * {@link NeuralTangentRows64#backward}). Both run on the backend's threads over fixed blocks of {@value #CHUNK} rows,
 * and ∂a's per-block sums are added in block order, so the results do not depend on the thread count.
 */
public final class NeuralTangentModel extends ModelBase {
    private final Matrix w;
    private final Matrix a0;
    private final Matrix a;
    private final Matrix c;
    private final Matrix g;
    /** Rows per block of the fused passes. */
    static final int CHUNK = 512;
    /** v = [aᵀ | a₀] (C × 2N, row-major) of the forward pass; a₀'s half is set once. */
    private final float[] v32;
    private final double[] v64;
    /** a₀ (C × N, row-major) for the backward pass. */
    private final float[] a0f32;
    private final double[] a0f64;
    private Matrix lastX;
    private Matrix lastZ;

    private NeuralTangentModel(Matrix w, Matrix a0) {
        super(w.rows(), w.cols(), a0.rows(), w.dtype());
        this.w = w;
        this.a0 = a0;
        this.a = Matrix.allocate(width, outputs, dtype);
        this.c = Matrix.allocate(1, outputs, dtype);
        this.g = Matrix.allocate(width, d, dtype);
        this.params = List.of(new Parameter("layer2", a, 0, 1), new Parameter("layer2_bias", c, 0, 1),
                new Parameter("layer1_var", g, 1, 1));
        this.owned = List.of(w, a0);
        boolean f64 = dtype == DType.F64;
        int cn = outputs * width;
        this.v32 = f64 ? null : new float[2 * cn];
        this.v64 = f64 ? new double[2 * cn] : null;
        this.a0f32 = f64 ? null : new float[cn];
        this.a0f64 = f64 ? new double[cn] : null;
        for (int k = 0; k < outputs; k++) {
            for (int j = 0; j < width; j++) {
                double v = a0.get(k, j);
                if (f64) {
                    v64[2 * k * width + width + j] = v;
                    a0f64[k * width + j] = v;
                } else {
                    v32[2 * k * width + width + j] = (float) v;
                    a0f32[k * width + j] = (float) v;
                }
            }
        }
    }

    /**
     * The model with W then {@code a0 = normal(size=(1, C, N))} from {@code RandomState(seed)} (the reference's seed is
     * 1990) and a = c = G = 0.
     */
    public static NeuralTangentModel init(int d, int width, int outputs, DType dtype, long seed) {
        RandomFeaturesModel.check(d, width, outputs);
        NumpyRandom rng = new NumpyRandom(seed);
        Matrix w = RandomFeaturesModel.unitColumns(rng, d, width, dtype);
        Matrix a0 = Matrix.allocate(outputs, width, dtype);
        for (int k = 0; k < outputs; k++) {
            for (int j = 0; j < width; j++) {
                a0.set(k, j, rng.nextGaussian());
            }
        }
        return new NeuralTangentModel(w, a0);
    }

    @Override
    public String kind() {
        return "nt";
    }

    @Override
    public boolean linear() {
        return true;
    }

    /** The frozen first layer W (d × N); shared. */
    public Matrix firstLayer() {
        return w;
    }

    /** The fixed second layer a₀ of the linearisation (C × N); shared. */
    public Matrix secondLayerAtInit() {
        return a0;
    }

    /** The pre-activations XW (n × N): the gates and the random features both follow from them. */
    @Override
    public Matrix frozenFeatures(Backend backend, Matrix x) {
        RandomFeaturesModel.requireInput(x, d, dtype);
        Matrix z = Matrix.allocate(x.rows(), width, dtype);
        backend.gemm(false, false, 1.0, x, w, 0.0, z);
        return z;
    }

    @Override
    public Matrix forward(Backend backend, Matrix x, Matrix frozen) {
        RandomFeaturesModel.requireInput(x, d, dtype);
        int b = x.rows();
        Matrix z = frozen;
        if (z == null) {
            z = work.get("z", b, width);
            backend.gemm(false, false, 1.0, x, w, 0.0, z);
        }
        Matrix p = work.get("p", b, width);
        backend.gemm(false, true, 1.0, x, g, 0.0, p);
        for (int k = 0; k < outputs; k++) {
            for (int j = 0; j < width; j++) {
                if (v64 != null) {
                    v64[2 * k * width + j] = a.get(j, k);
                } else {
                    v32[2 * k * width + j] = (float) a.get(j, k);
                }
            }
        }
        double[] bias = c.row(0);
        Matrix y = work.get("yhat", b, outputs);
        Matrix zz = z;
        blocks(backend.threads(), b, () -> {
            double[] out64 = new double[2 * outputs];
            float[] out32 = new float[2 * outputs];
            float[] u32 = v32 == null ? null : new float[4 * width];
            double[] u64 = v64 == null ? null : new double[4 * width];
            return (block, from, to) -> {
                for (int i = from; i < to; i += 2) {
                    int i1 = Math.min(i + 1, to - 1);
                    if (v64 != null) {
                        NeuralTangentRows64.outputs(width, outputs, zz.segment(), zz.byteIndex(i, 0), zz.byteIndex(i1, 0), p.segment(),
                                p.byteIndex(i, 0), p.byteIndex(i1, 0), v64, u64, out64);
                    } else {
                        NeuralTangentRows32.outputs(width, outputs, zz.segment(), zz.byteIndex(i, 0), zz.byteIndex(i1, 0), p.segment(),
                                p.byteIndex(i, 0), p.byteIndex(i1, 0), v32, u32, out32);
                    }
                    for (int k = 0; k < outputs; k++) {
                        y.set(i, k, (v64 != null ? out64[k] : out32[k]) + bias[k]);
                        y.set(i1, k, (v64 != null ? out64[outputs + k] : out32[outputs + k]) + bias[k]);
                    }
                }
            };
        });
        lastX = x;
        lastZ = z;
        return y;
    }

    @Override
    public void backward(Backend backend, Matrix dOut, List<Matrix> grads) {
        int b = dOut.rows();
        int cn = outputs * width;
        int blocks = (b + CHUNK - 1) / CHUNK;
        float[][] part32 = v64 == null ? new float[blocks][cn] : null;
        double[][] part64 = v64 != null ? new double[blocks][cn] : null;
        // three spare rows below the batch take the m of the rows that pad a block's last group of four
        Matrix mPadded = work.get("m", b + 3, width);
        Matrix z = lastZ;
        blocks(backend.threads(), b, () -> {
            float[] d32 = new float[4 * outputs];
            double[] d64 = new double[4 * outputs];
            long[] zo = new long[4];
            long[] mo = new long[4];
            return (block, from, to) -> {
                for (int i = from; i < to; i += 4) {
                    for (int r = 0; r < 4; r++) {
                        boolean real = i + r < to;
                        zo[r] = z.byteIndex(real ? i + r : i, 0);
                        mo[r] = mPadded.byteIndex(real ? i + r : b + r - 1, 0);
                        for (int k = 0; k < outputs; k++) {
                            d64[r * outputs + k] = real ? dOut.get(i + r, k) : 0.0;
                            d32[r * outputs + k] = (float) d64[r * outputs + k];
                        }
                    }
                    if (part64 != null) {
                        NeuralTangentRows64.backward(width, outputs, z.segment(), zo, d64, a0f64, mPadded.segment(), mo, part64[block]);
                    } else {
                        NeuralTangentRows32.backward(width, outputs, z.segment(), zo, d32, a0f32, mPadded.segment(), mo, part32[block]);
                    }
                }
            };
        });
        Matrix da = grads.get(0);
        for (int k = 0; k < outputs; k++) {
            for (int j = 0; j < width; j++) {
                double s = 0;
                for (int q = 0; q < blocks; q++) {
                    s += part64 != null ? part64[q][k * width + j] : part32[q][k * width + j];
                }
                da.set(j, k, s);
            }
        }
        Elementwise.setRow(grads.get(1), Elementwise.columnSums(dOut));
        backend.gemm(true, false, 1.0, mPadded.rows(0, b), lastX, 0.0, grads.get(2));
    }

    /** Rows [from, to) of block {@code block} (the rows from block·{@value #CHUNK}). */
    private interface RowBlock {
        void rows(int block, int from, int to);
    }

    /**
     * Runs the blocks of {@value #CHUNK} rows of a batch of {@code rows} on up to {@code threads} threads, each thread
     * taking blocks in turn through a worker (with its own scratch) from {@code worker}.
     */
    private static void blocks(int threads, int rows, Supplier<RowBlock> worker) {
        int blocks = (rows + CHUNK - 1) / CHUNK;
        AtomicInteger next = new AtomicInteger();
        Parallel.run(Math.min(threads, blocks), "tangent-nt", () -> {
            RowBlock w = worker.get();
            for (int q = next.getAndIncrement(); q < blocks; q = next.getAndIncrement()) {
                w.rows(q, q * CHUNK, Math.min(rows, (q + 1) * CHUNK));
            }
        });
    }

}
