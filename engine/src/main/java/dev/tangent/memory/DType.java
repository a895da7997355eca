package dev.tangent.memory;

import java.lang.foreign.ValueLayout;
import java.util.Locale;

/** Element type of a {@link Matrix}: IEEE single or double precision, little-endian (the host order). */
public enum DType {
    F32(4, "<f4"),
    F64(8, "<f8");

    private final int bytes;
    private final String npyDescr;

    DType(int bytes, String npyDescr) {
        this.bytes = bytes;
        this.npyDescr = npyDescr;
    }

    public int bytes() {
        return bytes;
    }

    /** The numpy dtype string of this type, e.g. {@code <f8}. */
    public String npyDescr() {
        return npyDescr;
    }

    public ValueLayout layout() {
        return this == F32 ? ValueLayout.JAVA_FLOAT : ValueLayout.JAVA_DOUBLE;
    }

    /** Parses {@code f32}/{@code f64} (also {@code float32}/{@code float64}), case-insensitively. */
    public static DType parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "f32", "float32", "float", "single" -> F32;
            case "f64", "float64", "double" -> F64;
            default -> throw new IllegalArgumentException("expected f32 or f64, found '" + s + "'");
        };
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
