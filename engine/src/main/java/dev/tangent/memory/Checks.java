package dev.tangent.memory;

import dev.tangent.TangentException;

/** Input checks shared by every workflow. */
public final class Checks {
    private Checks() {
    }

    /** Throws a one-line {@link TangentException} naming the first NaN or infinity in {@code m}. */
    public static void requireFinite(Matrix m, String what) {
        for (int i = 0; i < m.rows(); i++) {
            for (int j = 0; j < m.cols(); j++) {
                double v = m.get(i, j);
                if (!Double.isFinite(v)) {
                    throw new TangentException(what + ": " + v + " at row " + i + ", column " + j + "; expected finite values");
                }
            }
        }
    }
}
