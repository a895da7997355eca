package dev.tangent.data;

import dev.tangent.memory.Matrix;

import java.util.Locale;

/**
 * Input transforms (applied in place).
 * <ul>
 *   <li>{@code none}: values as stored;</li>
 *   <li>{@code unit}: pixels/255, paper A's {@code ToTensor} (images);</li>
 *   <li>{@code mnist}: pixels/255, then (p − 0.1307)/0.3081: paper A's {@code normalize: True} (spec §2.1);</li>
 *   <li>{@code standard}: every feature to mean 0, standard deviation 1 with the statistics of the training set
 *       ({@link Standardization}; constant features to 0);</li>
 *   <li>{@code sphere}: every sample centred and scaled to norm √d, paper B's preprocessing (zero rows stay 0).</li>
 * </ul>
 * All but {@code standard} act on each sample alone; {@code standard} is fitted on the training set and the same
 * statistics are applied to every other set (test, --against, predict and certify through the model directory).
 */
public enum Normalization {
    NONE, UNIT, STANDARD, SPHERE, MNIST;

    /** Paper A's MNIST mean and standard deviation (torchvision's Normalize((0.1307,), (0.3081,))). */
    public static final double MNIST_MEAN = 0.1307;
    public static final double MNIST_STD = 0.3081;

    public static Normalization parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "none" -> NONE;
            case "unit" -> UNIT;
            case "standard" -> STANDARD;
            case "sphere" -> SPHERE;
            case "mnist" -> MNIST;
            default -> throw new IllegalArgumentException("expected none, unit, mnist, standard or sphere, found '" + s + "'");
        };
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Applies the transform; {@code standard} with statistics fitted on {@code x} itself (x is a training set). */
    public void apply(Matrix x) {
        if (this == STANDARD) {
            Standardization.fit(x).apply(x);
        } else {
            applyPerSample(x);
        }
    }

    /** The per-sample transforms; {@code standard} is not one (see {@link Standardization}). */
    void applyPerSample(Matrix x) {
        int n = x.rows();
        int d = x.cols();
        switch (this) {
            case NONE, STANDARD -> {
            }
            case UNIT -> {
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < d; j++) {
                        x.set(i, j, x.get(i, j) / 255.0);
                    }
                }
            }
            case MNIST -> {
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < d; j++) {
                        x.set(i, j, (x.get(i, j) / 255.0 - MNIST_MEAN) / MNIST_STD);
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
