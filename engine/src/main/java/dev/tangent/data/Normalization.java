package dev.tangent.data;

import dev.tangent.memory.Matrix;

import java.util.Locale;

/**
 * Per-dataset input transforms (applied in place).
 * <ul>
 *   <li>{@code none}: values as stored;</li>
 *   <li>{@code unit}: pixels/255, paper A's {@code ToTensor} (images only);</li>
 *   <li>{@code standard}: every feature to mean 0, standard deviation 1 over the samples (constant features to 0);</li>
 *   <li>{@code sphere}: every sample centred and scaled to norm √d, paper B's preprocessing (zero rows stay 0).</li>
 * </ul>
 */
public enum Normalization {
    NONE, UNIT, STANDARD, SPHERE;

    public static Normalization parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "none" -> NONE;
            case "unit" -> UNIT;
            case "standard" -> STANDARD;
            case "sphere" -> SPHERE;
            default -> throw new IllegalArgumentException("expected none, unit, standard or sphere, found '" + s + "'");
        };
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }

    public void apply(Matrix x) {
        int n = x.rows();
        int d = x.cols();
        switch (this) {
            case NONE -> {
            }
            case UNIT -> {
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < d; j++) {
                        x.set(i, j, x.get(i, j) / 255.0);
                    }
                }
            }
            case STANDARD -> {
                for (int j = 0; j < d; j++) {
                    double mean = 0;
                    for (int i = 0; i < n; i++) {
                        mean += x.get(i, j);
                    }
                    mean /= n;
                    double var = 0;
                    for (int i = 0; i < n; i++) {
                        double t = x.get(i, j) - mean;
                        var += t * t;
                    }
                    double sd = Math.sqrt(var / n);
                    for (int i = 0; i < n; i++) {
                        x.set(i, j, sd > 0 ? (x.get(i, j) - mean) / sd : 0);
                    }
                }
            }
            case SPHERE -> {
                double target = Math.sqrt(d);
                for (int i = 0; i < n; i++) {
                    double mean = 0;
                    for (int j = 0; j < d; j++) {
                        mean += x.get(i, j);
                    }
                    mean /= d;
                    double ss = 0;
                    for (int j = 0; j < d; j++) {
                        double t = x.get(i, j) - mean;
                        ss += t * t;
                    }
                    double s = ss > 0 ? target / Math.sqrt(ss) : 0;
                    for (int j = 0; j < d; j++) {
                        x.set(i, j, (x.get(i, j) - mean) * s);
                    }
                }
            }
        }
    }
}
