package dev.tangent.compute;

import dev.tangent.kernel.KernelSpec;
import dev.tangent.memory.DType;

/**
 * The scalar provider: plain Java loops for the GEMM ({@link ScalarBackend}) and every kernel entry through the layers'
 * own scalar rules — no incubator module, no native code. The fallback when the Vector API is not readable, and the
 * reference the shared provider tests hold every other provider to (on small sizes: it is slow).
 */
final class ScalarProvider extends HostProvider {
    private final String reason;

    ScalarProvider(int threads, int tile, String reason) {
        super(ScalarBackend.INSTANCE, threads, tile);
        this.reason = reason;
    }

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public String description() {
        return "scalar Java loops (" + reason + ")";
    }

    @Override
    TileMap tileMap(KernelSpec spec, double[] nx, double[] ny, int d, DType dtype) {
        return new ScalarTiles(spec, nx, ny, d);
    }

    @Override
    BlockOps blockOps() {
        return BlockOps.SCALAR;
    }

    @Override
    public String toString() {
        return "ScalarProvider[" + reason + "]";
    }
}
