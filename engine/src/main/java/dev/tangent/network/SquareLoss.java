package dev.tangent.network;

import dev.tangent.TangentException;
import dev.tangent.memory.Matrix;

/**
 * Paper B's square loss and accuracy (spec §7.3). With C &gt; 1 outputs the targets are class ids, the loss of a sample
 * is Σ_k (onehot_k − ŷ_k)² and it is correct when argmax ŷ (the first maximum, as {@code tf.argmax}) is its class; with
 * one output the loss is (y − ŷ)² and it is correct when sign(ŷ − mean) = sign(y − mean) ({@code tf.sign}, so 0 = 0),
 * the mean being 0.5 for CIFAR-2's 0/1 labels and 0 otherwise. Reported losses are means over samples.
 */
public final class SquareLoss {
    private SquareLoss() {
    }

    /**
     * The targets of a dataset.
     *
     * @param outputs C
     * @param values  class ids 0..C−1 (C &gt; 1) or real targets (C = 1)
     * @param mean    the accuracy threshold of one output (ignored for C &gt; 1)
     */
    public record Targets(int outputs, double[] values, double mean) {
        /** Class ids 0..C−1 taken one-hot. */
        public static Targets oneHot(double[] ids, int classes, String option) {
            for (int i = 0; i < ids.length; i++) {
                double v = ids[i];
                if (v != Math.rint(v) || v < 0 || v >= classes) {
                    throw new TangentException(option + ": target " + v + " at row " + i + "; one-hot targets must be class ids 0.."
                            + (classes - 1) + " (expected integers)");
                }
            }
            return new Targets(classes, ids, 0);
        }

        public static Targets real(double[] y, double mean) {
            return new Targets(1, y, mean);
        }

        public int size() {
            return values.length;
        }

        /** The target of sample i for output k. */
        public double target(int i, int k) {
            return outputs == 1 ? values[i] : (values[i] == k ? 1.0 : 0.0);
        }
    }

    /** Sum of the per-sample losses and the number of correct samples of a batch. */
    public record Sums(double loss, long correct, int count) {
        public Sums plus(Sums o) {
            return new Sums(loss + o.loss, correct + o.correct, count + o.count);
        }

        public static final Sums ZERO = new Sums(0, 0, 0);

        public double meanLoss() {
            return loss / count;
        }

        public double accuracy() {
            return (double) correct / count;
        }
    }

    /**
     * The batch whose predictions are {@code yhat} (B × C) for the samples {@code order[from .. from + B)}: its loss sums
     * and correct count; when {@code dOut} is not null it receives ∂(mean loss)/∂ŷ = 2(ŷ − y)/B.
     */
    public static Sums evaluate(Matrix yhat, Targets t, int[] order, int from, Matrix dOut) {
        int b = yhat.rows();
        int c = t.outputs();
        double loss = 0;
        long correct = 0;
        double g = 2.0 / b;
        for (int r = 0; r < b; r++) {
            int i = order == null ? from + r : order[from + r];
            double sum = 0;
            int best = 0;
            double bestV = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < c; k++) {
                double p = yhat.get(r, k);
                double e = t.target(i, k) - p;
                sum += e * e;
                if (p > bestV) {
                    bestV = p;
                    best = k;
                }
                if (dOut != null) {
                    dOut.set(r, k, -g * e);
                }
            }
            loss += sum;
            if (c > 1) {
                correct += best == t.values()[i] ? 1 : 0;
            } else {
                correct += Math.signum(yhat.get(r, 0) - t.mean()) == Math.signum(t.values()[i] - t.mean()) ? 1 : 0;
            }
        }
        return new Sums(loss, correct, b);
    }
}
