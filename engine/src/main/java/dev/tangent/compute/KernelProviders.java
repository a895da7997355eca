package dev.tangent.compute;

import dev.tangent.TangentException;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Locale;

/**
 * Provider selection in one place (Lucene's VectorizationProvider pattern): detect what this JVM and machine offer,
 * choose, and say why. The CPU provider, whose classes use the Vector API, is loaded reflectively only after the
 * incubator module was found readable; otherwise the scalar provider runs, with the reason.
 * <ul>
 *   <li>{@code auto}: the CPU provider on OpenBLAS (or on the Vector-API GEMM when OpenBLAS does not load), or the
 *   scalar provider without the Vector API;</li>
 *   <li>{@code openblas}, {@code java}: the CPU provider on that GEMM (an error without the Vector API);</li>
 *   <li>{@code scalar}: the scalar provider;</li>
 *   <li>{@code cuda}: refused with the reason (no GPU provider is part of this build).</li>
 * </ul>
 */
public final class KernelProviders {
    /** The values {@code --backend} accepts. */
    public static final String CHOICES = "auto, openblas, java or scalar";

    private KernelProviders() {
    }

    /** A chosen provider and the one-line reason for the choice. */
    public record Selection(KernelProvider provider, String reason, boolean fellBack) {
    }

    public static Selection select(String requested, int threads) {
        return select(requested, threads, HostProvider.DEFAULT_TILE);
    }

    public static Selection select(String requested, int threads, int tile) {
        String r = requested == null ? "auto" : requested.toLowerCase(Locale.ROOT);
        return switch (r) {
            case "scalar" -> new Selection(new ScalarProvider(threads, tile, "requested"), "scalar provider requested", false);
            case "auto", "openblas", "blas", "java" -> {
                if (!vectorApiReadable()) {
                    if (!r.equals("auto")) {
                        throw new TangentException("--backend " + requested + " needs the Vector API, but module jdk.incubator.vector "
                                + "is not readable (run java with --add-modules jdk.incubator.vector); expected scalar here");
                    }
                    String why = "Vector API module not readable (java without --add-modules jdk.incubator.vector)";
                    yield new Selection(new ScalarProvider(threads, tile, why), why + "; using the scalar provider", true);
                }
                try {
                    yield (Selection) MethodHandles.lookup()
                            .findStatic(Class.forName("dev.tangent.compute.CpuProvider"), "create",
                                    MethodType.methodType(Selection.class, String.class, int.class, int.class))
                            .invoke(r.equals("blas") ? "openblas" : r, threads, tile);
                } catch (RuntimeException | Error e) {
                    throw e;
                } catch (Throwable t) {
                    throw new IllegalStateException("loading the CPU provider", t);
                }
            }
            case "cuda", "gpu" -> throw new TangentException("--backend " + requested + ": no GPU provider is part of this build; "
                    + "expected " + CHOICES);
            default -> throw new TangentException("--backend " + requested + ": unknown backend, expected " + CHOICES);
        };
    }

    /** Whether module jdk.incubator.vector is in the boot layer (java --add-modules jdk.incubator.vector). */
    public static boolean vectorApiReadable() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    /** A new instance of a class with a no-argument constructor in this package, by name (vector classes). */
    static Object instantiate(String className) {
        try {
            var c = Class.forName(className).getDeclaredConstructor();
            return c.newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("loading " + className, e);
        }
    }
}
