package dev.tangent.compute;

import dev.tangent.TangentException;
import dev.tangent.ffi.NativeLibraries;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorShape;

import java.util.Locale;

/**
 * Backend selection, in one place (after Lucene's VectorizationProvider): detect what this machine offers, pick, and
 * say why. {@code auto} prefers OpenBLAS and falls back to the Java backend with a reason; {@code java} and
 * {@code openblas} force one; {@code cuda} is refused with the reason when no GPU backend is built in.
 */
public final class Backends {
    private Backends() {
    }

    /** A chosen backend and the one-line reason for the choice. */
    public record Selection(Backend backend, String reason, boolean fellBack) {
    }

    public static Selection select(String requested, int threads) {
        String r = requested == null ? "auto" : requested.toLowerCase(Locale.ROOT);
        return switch (r) {
            case "java" -> new Selection(new JavaBackend(threads), "java backend requested (" + simdDescription() + ")", false);
            case "openblas", "blas" -> {
                BlasBackend b = BlasBackend.create(threads);
                yield new Selection(b, "openblas backend requested (" + describe(NativeLibraries.openblas()) + ")", false);
            }
            case "auto" -> {
                NativeLibraries.OpenBlas ob = NativeLibraries.openblas();
                if (ob.available()) {
                    yield new Selection(BlasBackend.create(threads), "OpenBLAS found (" + describe(ob) + ")", false);
                }
                yield new Selection(new JavaBackend(threads),
                        "OpenBLAS unavailable (" + ob.load().detail() + "); using the Java backend (" + simdDescription() + ")", true);
            }
            case "cuda", "gpu" -> throw new TangentException("--backend cuda: the CUDA backend is not part of this build yet; "
                    + "expected auto, java or openblas");
            default -> throw new TangentException("--backend " + requested + ": unknown backend, expected auto, java, openblas or cuda");
        };
    }

    static String describe(NativeLibraries.OpenBlas ob) {
        return "OpenBLAS " + ob.version() + ", core " + ob.coreName() + ", " + ob.load().path();
    }

    /** Preferred SIMD width of the Vector API and whether it is usable, e.g. "Vector API 512-bit, 8 doubles". */
    public static String simdDescription() {
        try {
            int bits = VectorShape.preferredShape().vectorBitSize();
            return "Vector API " + bits + "-bit, " + DoubleVector.SPECIES_PREFERRED.length() + " doubles per vector";
        } catch (LinkageError e) {
            return "Vector API module not readable: " + e;
        }
    }
}
