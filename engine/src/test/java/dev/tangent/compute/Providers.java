package dev.tangent.compute;

import dev.tangent.kernel.KernelSpec;
import dev.tangent.memory.Matrix;

import java.util.List;

/** Providers for the tests, built directly (any backend, threads and tile), and Grams into plain matrices. */
public final class Providers {
    private Providers() {
    }

    /** The CPU provider on {@code backend} with the given threads and tile edge. */
    public static KernelProvider cpu(Backend backend, int threads, int tile) {
        return new CpuProvider(backend, threads, tile, "test: " + backend.name());
    }

    public static KernelProvider cpu(Backend backend, int threads) {
        return cpu(backend, threads, HostProvider.DEFAULT_TILE);
    }

    /** The CPU provider on the Java (Vector API) backend. */
    public static KernelProvider java(int threads) {
        return cpu(new JavaBackend(threads), threads);
    }

    /** The scalar provider (plain Java loops: the reference). */
    public static KernelProvider scalar(int threads, int tile) {
        return new ScalarProvider(threads, tile, "test");
    }

    /** What {@code --backend auto} chooses. */
    public static KernelProvider auto(int threads) {
        return KernelProviders.select("auto", threads).provider();
    }

    /** One provider of each kind this machine has (the CPU provider on each backend, and the scalar provider). */
    public static List<KernelProvider> all(int threads, int tile) {
        Backends.Selection blas = Backends.select("auto", threads);
        return blas.fellBack()
                ? List.of(cpu(new JavaBackend(threads), threads, tile), scalar(threads, tile))
                : List.of(cpu(new JavaBackend(threads), threads, tile), cpu(blas.backend(), threads, tile), scalar(threads, tile));
    }

    /** A caller's host matrix seen as a kernel matrix (not owned: closing it leaves the matrix open). */
    public static KernelMatrix kernel(Matrix m) {
        return new HostKernelMatrix(m, new JavaBackend(1), 2, null);
    }

    /** K(X, Y) (y null: K(X, X)) into a new matrix of X's dtype, owned by the caller. */
    public static Matrix gram(KernelProvider p, KernelSpec spec, Matrix x, Matrix y) {
        Matrix out = Matrix.allocate(x.rows(), y == null ? x.rows() : y.rows(), x.dtype());
        p.gramInto(spec, x, y, out, KernelProvider.Progress.NONE);
        return out;
    }

    public static Matrix gram(KernelProvider p, KernelSpec spec, Matrix x) {
        return gram(p, spec, x, null);
    }

    /** A matrix-free K(X, Y) of a host provider with {@code panelRows} rows per recomputed panel (0: the default). */
    public static KernelMatrix implicit(KernelProvider p, KernelSpec spec, Matrix x, Matrix y, dev.tangent.memory.DType dtype, int storedRows,
                                        int panelRows) {
        return new ImplicitKernelMatrix((HostProvider) p, spec, x, y, dtype, storedRows, panelRows, KernelProvider.Progress.NONE);
    }
}
