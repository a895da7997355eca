package dev.tangent.compute;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;

/**
 * Launches of the kernels in native/tangent_kernels.cu: each method packs its arguments the way {@code cuLaunchKernel}
 * wants them (an array of pointers, one per parameter, each to a slot holding the value) and hands them to a
 * {@link Launcher} (the device, or a test that records them). {@link #SIGNATURES} states every kernel's parameter
 * list; {@link Args} refuses a value of the wrong kind or count, and {@code CudaKernelsTest} checks the table against
 * the kernels' declarations in the .cu file, so that Java and CUDA cannot drift apart silently.
 */
final class CudaKernels {
    /** Threads per block of the tile kernels (32 × 8, each thread doing 4 rows of a 32 × 32 tile). */
    static final int TILE = 32;
    static final int TILE_ROWS = 8;
    static final int BLOCK = 256;

    /**
     * Parameter kinds in declaration order: p = pointer (device address), i = int, l = long long, d = double,
     * f = float.
     */
    static final Map<String, String> SIGNATURES = Map.ofEntries(
            Map.entry("tangent_map_hom_f64", "plpliillippppppi"),
            Map.entry("tangent_map_hom_f32", "plpliillippppppi"),
            Map.entry("tangent_map_layers_f64", "plpliillippiidplpl"),
            Map.entry("tangent_map_layers_f32", "plpliillippiidplpl"),
            Map.entry("tangent_matvec_f64", "pliipp"),
            Map.entry("tangent_matvec_f32", "pliipp"),
            Map.entry("tangent_gather_f64", "plpipip"),
            Map.entry("tangent_gather_f32", "plpipip"),
            Map.entry("tangent_shifted_f64", "plpliid"),
            Map.entry("tangent_shifted_f32", "plpliid"),
            Map.entry("tangent_transpose_f64", "plplii"),
            Map.entry("tangent_interval_bounds", "iiplpppiipiididppl"),
            Map.entry("tangent_interval_margin", "iiplpppppdiipiididp"));

    /** What runs a packed launch: grid (x, y), block (x, y), dynamic shared memory, the parameter array. */
    interface Launcher {
        void launch(String kernel, int gridX, int gridY, int blockX, int blockY, int sharedBytes, MemorySegment params);
    }

    /** The parameter array of one launch, checked against the kernel's signature as it is filled. */
    static final class Args {
        final String kernel;
        final String kinds;
        final MemorySegment slots;
        final MemorySegment array;
        private int n;

        Args(Arena arena, String kernel) {
            this.kernel = kernel;
            this.kinds = SIGNATURES.get(kernel);
            if (kinds == null) {
                throw new IllegalArgumentException("no kernel " + kernel);
            }
            slots = arena.allocate(8L * kinds.length(), 8);
            array = arena.allocate(ValueLayout.ADDRESS, kinds.length());
        }

        private long next(char kind) {
            if (n >= kinds.length() || kinds.charAt(n) != kind) {
                throw new IllegalStateException(kernel + ": parameter " + n + " is '" + (n < kinds.length() ? kinds.charAt(n) : '-')
                        + "', given '" + kind + "'");
            }
            long off = 8L * n;
            array.setAtIndex(ValueLayout.ADDRESS, n, slots.asSlice(off, 8));
            n++;
            return off;
        }

        Args p(long address) {
            slots.set(ValueLayout.JAVA_LONG, next('p'), address);
            return this;
        }

        Args p(CudaDevice.Buffer b) {
            return p(b == null ? 0 : b.ptr);
        }

        Args i(int v) {
            slots.set(ValueLayout.JAVA_INT, next('i'), v);
            return this;
        }

        Args l(long v) {
            slots.set(ValueLayout.JAVA_LONG, next('l'), v);
            return this;
        }

        Args d(double v) {
            slots.set(ValueLayout.JAVA_DOUBLE, next('d'), v);
            return this;
        }

        Args f(float v) {
            slots.set(ValueLayout.JAVA_FLOAT, next('f'), v);
            return this;
        }

        /** The array of parameter pointers, once every parameter was given. */
        MemorySegment done() {
            if (n != kinds.length()) {
                throw new IllegalStateException(kernel + ": " + n + " of " + kinds.length() + " parameters given");
            }
            return array;
        }
    }

    private final Launcher launcher;

    CudaKernels(Launcher launcher) {
        this.launcher = launcher;
    }

    private static int blocks(long items, int per) {
        long b = (items + per - 1) / per;
        if (b > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(items + " items need more than 2^31 blocks");
        }
        return (int) Math.max(b, 1);
    }

    /** The geometry of the tile kernels over a rows × cols block. */
    private void tiles(String kernel, int rows, int cols, Args a) {
        launcher.launch(kernel, blocks(cols, TILE), blocks(rows, TILE), TILE, TILE_ROWS, 0, a.done());
    }

    /** Where a map writes and what it reads: the block C, the mirror target T, the pair offsets and the diagonal. */
    record Block(long c, long ldc, long t, long ldt, int rows, int cols, long i0, long j0, boolean sym, long diag) {
        Block {
            if (sym && (i0 % TILE != 0 || j0 % TILE != 0)) {
                throw new IllegalArgumentException("symmetric blocks start at multiples of " + TILE + ": " + i0 + ", " + j0);
            }
        }
    }

    private static Args block(Arena arena, String kernel, Block b) {
        return new Args(arena, kernel).p(b.c()).l(b.ldc()).p(b.t()).l(b.ldt()).i(b.rows()).i(b.cols()).l(b.i0()).l(b.j0())
                .i(b.sym() ? 1 : 0).p(b.diag());
    }

    /** The homogeneous one-step map (ra, sa of the row points; nb, rb of the column points; coef, terms each half). */
    void mapHomogeneous(boolean f64, Block b, long ra, long sa, long nb, long rb, long coef, int terms) {
        try (Arena arena = Arena.ofConfined()) {
            String k = f64 ? "tangent_map_hom_f64" : "tangent_map_hom_f32";
            tiles(k, b.rows(), b.cols(), block(arena, k, b).p(ra).p(sa).p(nb).p(rb).p(coef).i(terms));
        }
    }

    /** The layer-by-layer map. */
    void mapLayers(boolean f64, Block b, long prog, int layers, boolean ntk, double scale, long qa, long lqa, long qb, long lqb) {
        try (Arena arena = Arena.ofConfined()) {
            String k = f64 ? "tangent_map_layers_f64" : "tangent_map_layers_f32";
            tiles(k, b.rows(), b.cols(), block(arena, k, b).p(prog).i(layers).i(ntk ? 1 : 0).d(scale).p(qa).l(lqa).p(qb).l(lqb));
        }
    }

    /** out = K·v in double (one warp per row). */
    void matvec(boolean f64, long k, long ld, int rows, int cols, long v, long out) {
        try (Arena arena = Arena.ofConfined()) {
            String name = f64 ? "tangent_matvec_f64" : "tangent_matvec_f32";
            Args a = new Args(arena, name).p(k).l(ld).i(rows).i(cols).p(v).p(out);
            launcher.launch(name, blocks(32L * rows, BLOCK), 1, BLOCK, 1, 0, a.done());
        }
    }

    /** dst[a][b] = K[ri[a]][ci[b]]. */
    void gather(boolean f64, long k, long ld, long ri, int nr, long ci, int nc, long dst) {
        try (Arena arena = Arena.ofConfined()) {
            String name = f64 ? "tangent_gather_f64" : "tangent_gather_f32";
            Args a = new Args(arena, name).p(k).l(ld).p(ri).i(nr).p(ci).i(nc).p(dst);
            launcher.launch(name, blocks((long) nr * nc, BLOCK), 1, BLOCK, 1, 0, a.done());
        }
    }

    /** A (f64) = src + shift·I. */
    void shifted(boolean srcF64, long src, long lds, long a, long lda, int rows, int cols, double shift) {
        try (Arena arena = Arena.ofConfined()) {
            String name = srcF64 ? "tangent_shifted_f64" : "tangent_shifted_f32";
            Args x = new Args(arena, name).p(src).l(lds).p(a).l(lda).i(rows).i(cols).d(shift);
            launcher.launch(name, blocks((long) rows * cols, BLOCK), 1, BLOCK, 1, 0, x.done());
        }
    }

    /** dst = srcᵀ (f64; src rows × cols). */
    void transpose(long src, long lds, long dst, long ldd, int rows, int cols) {
        try (Arena arena = Arena.ofConfined()) {
            tiles("tangent_transpose_f64", rows, cols, new Args(arena, "tangent_transpose_f64").p(src).l(lds).p(dst).l(ldd).i(rows).i(cols));
        }
    }

    /** An interval program and its constants (see {@link CudaIntervals}). */
    record Interval(int d, int mode, long prog, int layers, boolean ntk, double scale, int steps, double w4) {
    }

    /** lo/hi (m × n, ldo) for m test points and n training points. */
    void intervalBounds(int m, int n, long dot, long ldd, long xx, long delta, long v, Interval c, long lo, long hi, long ldo) {
        try (Arena arena = Arena.ofConfined()) {
            Args a = new Args(arena, "tangent_interval_bounds").i(m).i(n).p(dot).l(ldd).p(xx).p(delta).p(v).i(c.d()).i(c.mode())
                    .p(c.prog()).i(c.layers()).i(c.ntk() ? 1 : 0).d(c.scale()).i(c.steps()).d(c.w4()).p(lo).p(hi).l(ldo);
            launcher.launch("tangent_interval_bounds", blocks(n, BLOCK), m, BLOCK, 1, 0, a.done());
        }
    }

    /** margin[p] for m test points at once (block 256 per point). */
    void intervalMargin(int m, int n, long dot, long ldd, long xx, long delta, long sign, long v, long alpha, double bias, Interval c,
                        long margin) {
        try (Arena arena = Arena.ofConfined()) {
            Args a = new Args(arena, "tangent_interval_margin").i(m).i(n).p(dot).l(ldd).p(xx).p(delta).p(sign).p(v).p(alpha).d(bias)
                    .i(c.d()).i(c.mode()).p(c.prog()).i(c.layers()).i(c.ntk() ? 1 : 0).d(c.scale()).i(c.steps()).d(c.w4()).p(margin);
            launcher.launch("tangent_interval_margin", m, 1, BLOCK, 1, 0, a.done());
        }
    }
}
