package dev.tangent;

import dev.tangent.data.DataSource;
import dev.tangent.data.Dataset;
import dev.tangent.data.Selection;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;

/**
 * The real-data pipeline tests' split of the MNIST test set in the repository (data/mnist/README.md): digits 0 and 1
 * (2,115 images, 0 → −1, 1 → +1, pixels/255), even positions for training (1,058), odd positions for testing (1,057).
 */
public final class MnistSplits {
    private MnistSplits() {
    }

    public record Split(Matrix x, double[] y) implements AutoCloseable {
        @Override
        public void close() {
            x.close();
        }
    }

    /** parity 0: even positions (training half), 1: odd positions (test half); the first {@code limit} of them (−1: all). */
    public static Split zeroOne(int parity, int limit) {
        try (Dataset all = DataSource.parse(RepositoryData.mnistTestSpec(), "--test")
                .load(DType.F64, Selection.of("0,1", -1), null, "--test")) {
            int n = (all.size() - parity + 1) / 2;
            if (limit > 0) {
                n = Math.min(n, limit);
            }
            Matrix x = Matrix.allocate(n, all.dim(), DType.F64);
            double[] y = new double[n];
            for (int k = 0; k < n; k++) {
                int i = 2 * k + parity;
                all.x().rows(i, 1).copyInto(x.rows(k, 1));
                y[k] = all.y()[i];
            }
            return new Split(x, y);
        }
    }
}
