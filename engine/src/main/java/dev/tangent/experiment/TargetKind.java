package dev.tangent.experiment;

import java.util.Locale;

/**
 * How labels become regression targets, for the kernel machines ({@code tangent krr}) and the finite models
 * ({@code tangent fit}) alike: one-hot (class ids 0..C−1 become C outputs), real (one output as given), or auto
 * (one-hot when the labels are integer ids of three or more classes, real otherwise).
 */
public enum TargetKind {
    AUTO, ONE_HOT, REAL;

    /** auto, one-hot, real. */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
