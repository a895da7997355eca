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
 *   <li>{@code auto}: the CUDA provider when this machine has a usable NVIDIA GPU (driver, device, cuBLAS and cuSOLVER
 *   found, self-test passed), with the host provider below for host-side work; otherwise the CPU provider on OpenBLAS
 *   (or on the Vector-API GEMM when OpenBLAS does not load), or the scalar provider without the Vector API;</li>
 *   <li>{@code cuda}: the CUDA provider, or a one-line error saying why there is none (exit code 2);</li>
 *   <li>{@code openblas}, {@code java}: the CPU provider on that GEMM (an error without the Vector API);</li>
 *   <li>{@code scalar}: the scalar provider.</li>
 * </ul>
 */
public final class KernelProviders {
    /** The values {@code --backend} accepts. */
    public static final String CHOICES = "auto, cuda, openblas, java or scalar";

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
            case "auto" -> {
                Selection h = host("auto", requested, threads, tile);
                Gpu gpu = gpu(h.provider());
                yield gpu.provider() != null
                        ? new Selection(gpu.provider(), "CUDA on " + gpu.description() + "; host work: " + h.reason(), h.fellBack())
                        : new Selection(h.provider(), h.reason() + "; CUDA unavailable: " + brief(gpu.reason()), h.fellBack());
            }
            case "cuda", "gpu" -> {
                Selection h = host("auto", requested, threads, tile);
                Gpu gpu = gpu(h.provider());
                if (gpu.provider() == null) {
                    throw new TangentException("--backend " + requested + ": CUDA is unavailable: " + gpu.reason()
                            + "; expected a machine with an NVIDIA GPU, or --backend auto");
                }
                yield new Selection(gpu.provider(), "cuda provider requested: " + gpu.description() + "; host work: " + h.reason(), false);
            }
            default -> host(r, requested, threads, tile);
        };
    }

    /**
     * What this machine's GPU offers: the CUDA provider (with {@code host} for host-side work) and a one-line
     * description of the device, driver and libraries, or null and the reason there is none.
     */
    public record Gpu(KernelProvider provider, String description, String libraries, String reason) {
    }

    /** A reason without the directories it lists (the full text is {@link #gpu()}'s). */
    static String brief(String reason) {
        int cut = reason.length();
        for (String s : new String[] {" in /", "; "}) {
            int k = reason.indexOf(s);
            if (k > 0) {
                cut = Math.min(cut, k);
            }
        }
        return reason.substring(0, cut);
    }

    /** The GPU as {@code tangent info} reports it. */
    public static Gpu gpu() {
        return gpu(host("auto", "auto", 1, HostProvider.DEFAULT_TILE).provider());
    }

    /** The same with {@code host} for the provider's host-side work. */
    static Gpu gpu(KernelProvider host) {
        try {
            CudaProvider p = CudaProvider.open(host);
            CudaLibraries.Load l = p.device().libraries;
            return new Gpu(p, p.device().describe(), "driver " + l.driver().path() + "; cuBLAS " + l.cublas().path() + "; cuSOLVER "
                    + l.cusolver().path(), null);
        } catch (CudaDevice.CudaException e) {
            return new Gpu(null, null, null, e.getMessage());
        } catch (RuntimeException | LinkageError e) {
            return new Gpu(null, null, null, "the CUDA provider failed to start: " + e.getClass().getSimpleName().replace("Exception", "")
                    + " " + e.getMessage());
        }
    }

    /** The host providers (no GPU): {@code auto}, {@code openblas}, {@code java}, {@code scalar}. */
    private static Selection host(String r, String requested, int threads, int tile) {
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
