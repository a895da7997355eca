package dev.tangent.compute;

import dev.tangent.kernel.Cov;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.kernel.Layer;
import dev.tangent.memory.Matrix;

/** The scalar provider's kernel map: every entry through the layers' own scalar rules, the reference itself. */
final class ScalarTiles implements TileMap {
    private final KernelSpec spec;
    private final double scale;
    private final double[] nx;
    private final double[] ny;

    ScalarTiles(KernelSpec spec, double[] nx, double[] ny, int d) {
        this.spec = spec;
        this.scale = spec.input().scale(d);
        this.nx = nx;
        this.ny = ny;
    }

    @Override
    public void apply(Matrix t, int i0, int j0) {
        for (int i = 0; i < t.rows(); i++) {
            for (int j = 0; j < t.cols(); j++) {
                Cov s = new Cov(scale * t.get(i, j), scale * nx[i0 + i], scale * ny[j0 + j], 0);
                for (Layer l : spec.layers()) {
                    l.step(s);
                }
                t.set(i, j, s.of(spec.kind()));
            }
        }
    }
}
