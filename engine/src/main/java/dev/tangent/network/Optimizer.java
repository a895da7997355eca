package dev.tangent.network;

import dev.tangent.compute.NetworkKernels;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * The first-order optimisers of paper B's training (spec §7.4), in TensorFlow 1.x's arithmetic (the reference's), on
 * every parameter of a {@link FiniteWidthModel}. A step first forms each parameter's gradient
 * g = scale·(∇_pure + ρ·penalty·θ) (the regulariser's gradient, then the mean-field rescaling) and then updates:
 * <ul>
 *   <li>{@link Adam}: {@code tf.train.AdamOptimizer} defaults β₁ = 0.9, β₂ = 0.999, ε = 1e-8, with TensorFlow's
 *       placement of ε: α_t = lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ), m += (g − m)(1 − β₁), v += (g² − v)(1 − β₂),
 *       θ −= α_t·m/(√v + ε), the powers β^t kept as running products in the parameters' type;</li>
 *   <li>{@link Momentum}: {@code tf.train.MomentumOptimizer(momentum=0.9)}, not Nesterov: accum = μ·accum + g,
 *       θ −= lr·accum.</li>
 * </ul>
 * In f32 every element-wise operation is done in float, as TensorFlow's kernels ({@link NetworkKernels}).
 */
public abstract sealed class Optimizer implements AutoCloseable permits Optimizer.Adam, Optimizer.Momentum {
    final DType dtype;
    /** The state matrices, one list per kind of state, each shaped like the parameters. */
    private final List<Matrix> state = new ArrayList<>();
    private final List<String> names = new ArrayList<>();
    long t;

    Optimizer(FiniteWidthModel model, String... kinds) {
        this.dtype = model.dtype();
        for (String k : kinds) {
            state.addAll(model.zerosLike());
            for (FiniteWidthModel.Parameter p : model.parameters()) {
                names.add(p.name() + "." + k);
            }
        }
    }

    public static Optimizer adam(FiniteWidthModel model) {
        return new Adam(model, 0.9, 0.999, 1e-8);
    }

    public static Optimizer momentum(FiniteWidthModel model) {
        return new Momentum(model, 0.9);
    }

    /**
     * One update of every parameter with learning rate {@code lr}; {@code grads} are the pure loss's gradients.
     *
     * @return Σ penalty·‖θ_p‖²/2 before the update (times ρ: the regulariser the step's loss included), read in the
     *         same pass
     */
    public final double step(List<FiniteWidthModel.Parameter> params, List<Matrix> grads, double rho, double lr) {
        t++;
        prepare();
        double penalty = 0;
        for (int q = 0; q < params.size(); q++) {
            FiniteWidthModel.Parameter p = params.get(q);
            Matrix th = p.value();
            penalty += p.penalty() / 2 * update(q, params.size(), (long) th.rows() * th.cols(), seg(th), seg(grads.get(q)), p.gradientScale(),
                    rho * p.penalty(), lr);
        }
        return penalty;
    }

    /** Called once per step before the parameters are updated. */
    void prepare() {
    }

    /** Updates parameter q (of {@code count}); returns Σθ² before the update. */
    abstract double update(int q, int count, long n, MemorySegment th, MemorySegment grad, double scale, double decay, double lr);

    /** State matrix {@code kind} (in constructor order) of parameter q, as a segment. */
    final MemorySegment state(int kind, int count, int q) {
        return seg(state.get(kind * count + q));
    }

    /** A contiguous matrix's elements as a segment starting at element 0. */
    private static MemorySegment seg(Matrix m) {
        if (!m.isContiguous()) {
            throw new IllegalArgumentException("optimiser state must be contiguous, found " + m);
        }
        return m.segment().asSlice(m.offset(), Matrix.byteSize(m.rows(), m.cols(), m.dtype()));
    }

    /** {@code adam} or {@code momentum}. */
    public abstract String name();

    /** Steps taken so far. */
    public final long steps() {
        return t;
    }

    /** The state a checkpoint saves (the matrices are shared). */
    public final List<Matrix> state() {
        return state;
    }

    /** Names of {@link #state()}'s matrices, for files. */
    public final List<String> stateNames() {
        return names;
    }

    /** Restores the step count after the state matrices were filled from a checkpoint. */
    public final void restoreSteps(long steps) {
        t = steps;
    }

    @Override
    public final void close() {
        state.forEach(Matrix::close);
    }

    /** TensorFlow's Adam. */
    public static final class Adam extends Optimizer {
        private final double beta1;
        private final double beta2;
        private final double epsilon;
        private double b1p;
        private double b2p;

        Adam(FiniteWidthModel model, double beta1, double beta2, double epsilon) {
            super(model, "m", "v");
            this.beta1 = beta1;
            this.beta2 = beta2;
            this.epsilon = epsilon;
        }

        /** β^t as TensorFlow's running product variable (initial value β, multiplied by β after every step). */
        private double power(double beta, long steps) {
            double p = dtype == DType.F32 ? (float) beta : beta;
            for (long s = 1; s < steps; s++) {
                p = dtype == DType.F32 ? (float) ((float) p * (float) beta) : p * beta;
            }
            return p;
        }

        @Override
        void prepare() {
            b1p = power(beta1, t);
            b2p = power(beta2, t);
        }

        @Override
        double update(int q, int count, long n, MemorySegment th, MemorySegment grad, double scale, double decay, double lr) {
            if (dtype == DType.F64) {
                double alpha = lr * Math.sqrt(1 - b2p) / (1 - b1p);
                return NetworkKernels.adam64(n, th, grad, state(0, count, q), state(1, count, q), scale, decay, alpha, beta1, beta2, epsilon);
            }
            float alpha = (float) lr * (float) Math.sqrt(1f - (float) b2p) / (1f - (float) b1p);
            return NetworkKernels.adam32(n, th, grad, state(0, count, q), state(1, count, q), (float) scale, (float) decay, alpha,
                    (float) beta1, (float) beta2, (float) epsilon);
        }

        @Override
        public String name() {
            return "adam";
        }
    }

    /** TensorFlow's momentum optimiser (heavy ball, not Nesterov). */
    public static final class Momentum extends Optimizer {
        private final double mu;

        Momentum(FiniteWidthModel model, double mu) {
            super(model, "accum");
            this.mu = mu;
        }

        @Override
        double update(int q, int count, long n, MemorySegment th, MemorySegment grad, double scale, double decay, double lr) {
            if (dtype == DType.F64) {
                return NetworkKernels.momentum64(n, th, grad, state(0, count, q), scale, decay, lr, mu);
            }
            return NetworkKernels.momentum32(n, th, grad, state(0, count, q), (float) scale, (float) decay, (float) lr, (float) mu);
        }

        @Override
        public String name() {
            return "momentum";
        }
    }
}
