package dev.tangent.compute;

import dev.tangent.kernel.KernelSpec;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The CPU provider: GEMMs on OpenBLAS or the Vector-API backend, fused with the Vector-API kernel maps — the one-step
 * {@link HomogeneousMap} for homogeneous stacks (paper A's bias-free ReLU networks, in the output's precision), the
 * layer-by-layer {@link LayeredTiles} otherwise. Loaded reflectively by {@link KernelProviders} only when the Vector
 * API is readable, so a JVM without the incubator module never touches its classes.
 */
final class CpuProvider extends HostProvider {
    private static final Map<KernelSpec, HomogeneousMap> FITTED = new ConcurrentHashMap<>();

    private final String description;
    private final BlockOps blocks;

    CpuProvider(Backend backend, int threads, int tile, String description) {
        super(backend, threads, tile);
        this.description = description;
        this.blocks = new VectorBlocks(backend.serial());
    }

    @Override
    public String name() {
        return backend.name();
    }

    @Override
    public String description() {
        return description;
    }

    /**
     * The provider on {@code backend} ({@code auto}: OpenBLAS when it loads, else the Vector-API GEMM; {@code openblas};
     * {@code java}), with the reason for the choice. Called reflectively by {@link KernelProviders}.
     */
    static KernelProviders.Selection create(String backend, int threads, int tile) {
        Backends.Selection b = Backends.select(backend, threads);
        String maps = "Vector API kernel maps (" + Backends.simdDescription() + ")";
        return new KernelProviders.Selection(new CpuProvider(b.backend(), threads, tile, b.reason() + " + " + maps),
                b.reason() + "; " + maps, b.fellBack());
    }

    /** The fitted one-step map of a homogeneous spec, built once per spec; null when the fit is not accurate enough. */
    static HomogeneousMap homogeneous(KernelSpec spec) {
        if (!spec.homogeneous()) {
            return null;
        }
        HomogeneousMap hm = FITTED.computeIfAbsent(spec, HomogeneousMap::new);
        return hm.accurate(spec) ? hm : null;
    }

    @Override
    TileMap tileMap(KernelSpec spec, double[] nx, double[] ny, int d, DType dtype) {
        return tileMap(homogeneous(spec), spec, nx, ny, d);
    }

    /** The one-step map when {@code hm} is not null, the layered map otherwise. */
    static TileMap tileMap(HomogeneousMap hm, KernelSpec spec, double[] nx, double[] ny, int d) {
        if (hm == null) {
            return new LayeredTiles(spec, nx, ny, d);
        }
        HomogeneousMap.Norms na = new HomogeneousMap.Norms(nx);
        HomogeneousMap.Norms nb = ny == nx ? na : new HomogeneousMap.Norms(ny);
        double scale = spec.input().scale(d);
        return (c, i, j) -> hm.map(c.dtype(), c.rows(), c.cols(), c.segment(), c.offset(), c.ld(), na, i, nb, j, scale,
                !Warmup.cold(c.dtype()));
    }

    /** Compiles the Vector API kernels now, whatever the work ahead, and waits for them (benchmarks). */
    @Override
    public void warmUp(KernelSpec spec, DType dtype) {
        try {
            Warmup.start(spec, dtype).join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    void demand(KernelSpec spec, DType dtype, double entries) {
        Warmup.demand(spec, dtype, entries);
    }

    @Override
    boolean warming(KernelSpec spec, DType dtype) {
        return Warmup.running(spec, dtype);
    }

    @Override
    BlockOps blockOps() {
        return blocks;
    }

    /**
     * The block copies: transpositions by the backend where it has them (OpenBLAS's omatcopy: native code, as fast as
     * the Vector API loop compiled and never cold), else the Vector API loop once warm and its scalar twin before.
     */
    private record VectorBlocks(Backend serial) implements BlockOps {
        @Override
        public void transposeInto(Matrix src, Matrix dst) {
            boolean shaped = dst.rows() == src.cols() && dst.cols() == src.rows() && dst.dtype() == src.dtype();
            if (shaped && serial.transpose(src, dst)) {
                return;
            }
            if (shaped && Warmup.cold(src.dtype())) {
                if (src.dtype() == DType.F64) {
                    VectorKernels64.transposeScalar(src.rows(), src.cols(), src.segment(), src.offset(), src.ld(), dst.segment(),
                            dst.offset(), dst.ld());
                } else {
                    VectorKernels32.transposeScalar(src.rows(), src.cols(), src.segment(), src.offset(), src.ld(), dst.segment(),
                            dst.offset(), dst.ld());
                }
                return;
            }
            Blocks.transposeInto(src, dst);
        }

        @Override
        public void mirrorUpperToLower(Matrix a) {
            Blocks.mirrorUpperToLower(a);
        }

        @Override
        public void widen(Matrix src, Matrix dst, int r0, int r1) {
            for (int i = r0; i < r1; i++) {
                Widening.widen(src.segment(), src.byteIndex(i, 0), dst.segment(), dst.byteIndex(i, 0), src.cols());
            }
        }
    }

    @Override
    public String toString() {
        return "CpuProvider[" + description + "]";
    }
}
