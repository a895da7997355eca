package dev.tangent.network;

import dev.tangent.compute.Backend;
import dev.tangent.compute.KernelProvider;
import dev.tangent.memory.Matrix;

import java.util.List;

/**
 * Paper B's first-order training of a {@link FiniteWidthModel} (spec §7.4, {@code train.py::_fc_optimizer}): one epoch
 * is a pass over the training samples in a {@link BatchOrder}, one optimiser step per batch on the mean square loss
 * plus ρ times the model's penalty, recording as the reference does the mean over the epoch's batches of the loss
 * (regulariser included), the accuracy and the regulariser, each read before its step's update. {@link #evaluate}
 * gives the statistics of a data set in batches without training.
 */
public final class ModelTrainer implements AutoCloseable {
    private final Backend backend;
    private final FiniteWidthModel model;
    private final Optimizer optimizer;
    private final double rho;
    private final List<Matrix> grads;
    private final Workspace work;

    /**
     * A data set as the trainer reads it.
     *
     * @param x       n × d in the model's dtype
     * @param frozen  the model's {@link FiniteWidthModel#frozenFeatures} of x (n × N), or null to compute them per batch
     * @param targets the targets
     */
    public record Data(Matrix x, Matrix frozen, SquareLoss.Targets targets) {
        public int size() {
            return x.rows();
        }
    }

    /**
     * One epoch's statistics.
     *
     * @param loss     mean over batches of (batch mean loss + regulariser)
     * @param accuracy mean over batches of the batch accuracy
     * @param reg      mean over batches of the regulariser ρ·penalty
     * @param steps    optimiser steps taken
     * @param dropped  samples the epoch left out (the incomplete last batch)
     */
    public record EpochStats(double loss, double accuracy, double reg, int steps, int dropped) {
    }

    /**
     * @param rho the first-order regularisation coefficient ρ (the reference's model_reg = 2·reg)
     */
    public ModelTrainer(Backend backend, FiniteWidthModel model, Optimizer optimizer, double rho) {
        this.backend = backend;
        this.model = model;
        this.optimizer = optimizer;
        this.rho = rho;
        this.grads = model.zerosLike();
        this.work = new Workspace(model.dtype());
    }

    /**
     * One epoch over {@code train} in {@code order} (null: the data's order) in batches of {@code batch} at learning
     * rate {@code lr}; {@code progress} is told after each step.
     */
    public EpochStats epoch(Data train, int[] order, int batch, BatchOrder cut, double lr, KernelProvider.Progress progress) {
        int n = train.size();
        int batches = cut.batches(n, batch);
        double loss = 0;
        double acc = 0;
        double reg = 0;
        for (int s = 0; s < batches; s++) {
            int from = s * batch;
            int b = Math.min(batch, n - from);
            Matrix yhat = forward(train, order, from, b);
            Matrix dOut = work.get("dOut", b, model.outputs());
            SquareLoss.Sums sums = SquareLoss.evaluate(yhat, train.targets(), order, from, dOut);
            model.backward(backend, dOut, grads);
            double r = rho * optimizer.step(model.parameters(), grads, rho, lr);
            loss += sums.meanLoss() + r;
            acc += sums.accuracy();
            reg += r;
            progress.done(s + 1, batches);
        }
        return new EpochStats(loss / batches, acc / batches, reg / batches, batches, cut.dropped(n, batch));
    }

    /** ŷ for the samples order[from .. from + b) (the data's rows from..from + b when order is null). */
    private Matrix forward(Data data, int[] order, int from, int b) {
        if (order == null) {
            return model.forward(backend, data.x().rows(from, b), data.frozen() == null ? null : data.frozen().rows(from, b));
        }
        Matrix xb = gather(data.x(), order, from, b, "x");
        Matrix fb = data.frozen() == null ? null : gather(data.frozen(), order, from, b, "frozen");
        return model.forward(backend, xb, fb);
    }

    private Matrix gather(Matrix src, int[] order, int from, int b, String name) {
        Matrix dst = work.get(name, b, src.cols());
        for (int r = 0; r < b; r++) {
            src.rows(order[from + r], 1).copyInto(dst.rows(r, 1));
        }
        return dst;
    }

    /**
     * The loss sums and correct count over the first {@code limit} samples of {@code data} (in its order) in batches of
     * {@code batch}, the last incomplete batch dropped unless {@code keepRemainder}; the loss is the pure square loss.
     */
    public SquareLoss.Sums evaluate(Data data, int batch, int limit, boolean keepRemainder) {
        int n = Math.min(limit, data.size());
        int batches = keepRemainder ? (n + batch - 1) / batch : n / batch;
        SquareLoss.Sums total = SquareLoss.Sums.ZERO;
        for (int s = 0; s < batches; s++) {
            int from = s * batch;
            int b = Math.min(batch, n - from);
            Matrix yhat = forward(data, null, from, b);
            total = total.plus(SquareLoss.evaluate(yhat, data.targets(), null, from, null));
        }
        return total;
    }

    /** ŷ for every sample of {@code data} (n × C, a new matrix), in batches of {@code batch}. */
    public Matrix predict(Data data, int batch) {
        Matrix out = Matrix.allocate(data.size(), model.outputs(), model.dtype());
        for (int from = 0; from < data.size(); from += batch) {
            int b = Math.min(batch, data.size() - from);
            forward(data, null, from, b).copyInto(out.rows(from, b));
        }
        return out;
    }

    /** ρ·penalty at the current parameters. */
    public double regularizer() {
        return rho * model.penalty();
    }

    @Override
    public void close() {
        grads.forEach(Matrix::close);
        work.close();
    }
}
