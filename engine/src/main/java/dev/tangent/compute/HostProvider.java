package dev.tangent.compute;

import dev.tangent.TangentException;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;

import java.nio.file.Path;


/**
 * What the two host providers share: Grams in host memory or a mapped {@code .npy} through {@link PanelGram}, and
 * shifted Cholesky solves on the backend. A subclass supplies the tile map and the block copies (vectorised or
 * scalar).
 */
abstract class HostProvider implements KernelProvider {
    /** Default tile edge (map and mirror blocks): a 256×256 f64 tile is 512 KiB, half an L2 of current cores. */
    static final int DEFAULT_TILE = 256;

    /**
     * GEMM work run ahead of the maps while the Vector API kernels are compiled in the background (a large Gram's first
     * seconds, see {@link Warmup}; the maps meanwhile run the loop twins either way): about 0.3–0.7 s of GEMM on two
     * cores; the system property {@code tangent.gram.aheadFlops} overrides it for measurements (0: no GEMM ahead).
     */
    static final double GEMM_AHEAD_FLOPS = Double.parseDouble(System.getProperty("tangent.gram.aheadFlops", "1.2e11"));

    final Backend backend;
    final int threads;
    final int tile;

    HostProvider(Backend backend, int threads, int tile) {
        if (threads < 1 || tile < 8) {
            throw new IllegalArgumentException("threads >= 1 and tile >= 8 required");
        }
        this.backend = backend;
        this.threads = threads;
        this.tile = tile;
    }

    /** The kernel map of one Gram (norms in double precision). */
    abstract TileMap tileMap(KernelSpec spec, double[] nx, double[] ny, int d, DType dtype);

    abstract BlockOps blockOps();

    /** Counts the kernel entries a Gram is about to map (the CPU provider decides from them when to compile its kernels). */
    void demand(KernelSpec spec, DType dtype, double entries) {
    }

    /** Whether this spec's kernels are still being prepared (the Gram loop then runs GEMMs ahead of the maps). */
    boolean warming(KernelSpec spec, DType dtype) {
        return false;
    }

    /** Entries a Gram maps: the upper triangle of K(X, X) ({@code cols} < 0), every entry of K(X, Y). */
    static double mapped(int rows, int cols) {
        return cols < 0 ? (double) rows * (rows + 1) / 2 : (double) rows * cols;
    }

    @Override
    public int threads() {
        return threads;
    }

    @Override
    public Backend backend() {
        return backend;
    }

    @Override
    public KernelMatrix gram(KernelSpec spec, Matrix x, Matrix y, DType dtype, Progress progress) {
        Matrix out = Matrix.allocate(x.rows(), y == null ? x.rows() : y.rows(), dtype);
        try {
            gramInto(spec, x, y, out, progress);
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
        return new HostKernelMatrix(out, backend, threads, out, blockOps());
    }

    @Override
    public KernelMatrix adopt(Matrix k) {
        return new HostKernelMatrix(k, backend, threads, k, blockOps());
    }

    /** K(X, Y) into {@code out} (X and Y converted to out's dtype when they differ). */
    @Override
    public void gramInto(KernelSpec spec, Matrix x, Matrix y, Matrix out, Progress progress) {
        PanelGram.check(x, y, out);
        build(spec, x, y, out.dtype(), PanelGram.inMemory(out, tile), progress, Double.NaN);
    }

    @Override
    public void writeGram(KernelSpec spec, Matrix x, Matrix y, DType dtype, Path file, Progress progress) {
        writeGram(spec, x, y, dtype, file, progress, StreamedGram.BUFFERS, true, Double.NaN);
    }

    /**
     * {@link #writeGram(KernelSpec, Matrix, Matrix, DType, Path, Progress)} with {@code buffers} panel buffers, direct
     * I/O only if {@code tryDirect}, and {@code aheadFlops} of GEMM ahead of the maps (NaN: as the warm-up decides).
     */
    void writeGram(KernelSpec spec, Matrix x, Matrix y, DType dtype, Path file, Progress progress, int buffers, boolean tryDirect,
                   double aheadFlops) {
        PanelGram.check(x, y);
        boolean sym = y == null || y == x;
        try (StreamedGram target = StreamedGram.open(file, x.rows(), sym ? x.rows() : y.rows(), dtype, PanelGram.panelRows(tile), sym,
                buffers, tryDirect)) {
            build(spec, x, sym ? null : y, dtype, target, progress, aheadFlops);
            target.commit();
        }
    }

    /** K(X, Y) in {@code dtype} into {@code target}, X and Y converted to it when they differ. */
    private void build(KernelSpec spec, Matrix x, Matrix y, DType dtype, PanelGram.Target target, Progress progress, double aheadFlops) {
        Matrix xx = x.dtype() == dtype ? x : x.copy(dtype);
        Matrix yy = y == null || y == x ? null : y.dtype() == dtype ? y : y.copy(dtype);
        try {
            double[] nx = PanelGram.squaredNorms(xx);
            double[] ny = yy == null ? nx : PanelGram.squaredNorms(yy);
            demand(spec, dtype, mapped(xx.rows(), yy == null ? -1 : yy.rows()));
            TileMap map = tileMap(spec, nx, ny, xx.cols(), dtype);
            double ahead = !Double.isNaN(aheadFlops) ? aheadFlops : warming(spec, dtype) ? GEMM_AHEAD_FLOPS : 0;
            PanelGram.build(backend.serial(), threads, tile, map, blockOps(), spec, xx, yy, target, nx, progress, ahead);
        } finally {
            if (xx != x) {
                xx.close();
            }
            if (yy != null && yy != y) {
                yy.close();
            }
        }
    }

    /**
     * K(X, Y) into {@code out} from operands already in out's dtype and their squared norms ({@code ny == nx} for
     * y == null): the matrix-free kernel's panels, whose norms are computed once.
     */
    void gramInto(KernelSpec spec, Matrix x, Matrix y, Matrix out, double[] nx, double[] ny, Progress progress) {
        PanelGram.check(x, y, out);
        demand(spec, out.dtype(), mapped(x.rows(), y == null || y == x ? -1 : y.rows()));
        TileMap map = tileMap(spec, nx, ny, x.cols(), out.dtype());
        double ahead = warming(spec, out.dtype()) ? GEMM_AHEAD_FLOPS : 0;
        PanelGram.build(backend.serial(), threads, tile, map, blockOps(), spec, x, y, PanelGram.inMemory(out, tile), nx, progress, ahead);
    }

    @Override
    public boolean inPlaceAndMatrixFree() {
        return true;
    }

    @Override
    public KernelMatrix implicitGram(KernelSpec spec, Matrix x, Matrix y, DType dtype, int storedRows, Progress progress) {
        return new ImplicitKernelMatrix(this, spec, x, y, dtype, storedRows, progress);
    }

    @Override
    public ShiftedCholesky cholesky(KernelMatrix k, boolean inPlace) {
        if (inPlace && k instanceof HostKernelMatrix h) {
            return HostCholesky.inPlace(h);
        }
        if (inPlace) {
            throw new IllegalArgumentException("an in-place factor needs a stored kernel matrix of this provider, found " + k);
        }
        return HostCholesky.onCopy(k, backend);
    }

    @Override
    public SymmetricSpectrum spectrum(KernelMatrix k) {
        return HostSpectrum.of(k, backend, blockOps(), threads);
    }

    @Override
    public int panelRows() {
        return PanelGram.panelRows(tile);
    }

    @Override
    public void gramPanelsInto(KernelSpec spec, Matrix x, int from, int to, Matrix out, Progress progress) {
        if (out.rows() != to - from || out.cols() != x.rows() - from) {
            throw new IllegalArgumentException("output is " + out.rows() + "x" + out.cols() + ", expected " + (to - from) + "x" + (x.rows() - from));
        }
        Matrix xx = x.dtype() == out.dtype() ? x : x.copy(out.dtype());
        try {
            double[] nx = PanelGram.squaredNorms(xx);
            demand(spec, out.dtype(), (double) (to - from) * (x.rows() - from) - (double) (to - from) * (to - from) / 2);
            TileMap map = tileMap(spec, nx, nx, xx.cols(), out.dtype());
            double ahead = warming(spec, out.dtype()) ? GEMM_AHEAD_FLOPS : 0;
            PanelGram.build(backend.serial(), threads, tile, map, blockOps(), spec, xx, null, from, to, PanelGram.rowBlock(out, tile, from, to),
                    nx, progress, ahead);
        } finally {
            if (xx != x) {
                xx.close();
            }
        }
    }

    @Override
    public int solveShifted(KernelMatrix k, double shift, Matrix b) {
        if (k.rows() != k.cols() || b.rows() != k.rows()) {
            throw new TangentException("solve: K is " + k.rows() + " x " + k.cols() + " and the right-hand side has " + b.rows() + " rows");
        }
        try (Matrix a = Matrix.allocate(k.rows(), k.cols(), DType.F64);
             Matrix rhs = b.dtype() == DType.F64 ? null : b.copy(DType.F64)) {
            k.copyRows(0, a);
            for (int i = 0; i < a.rows(); i++) {
                a.set(i, i, a.get(i, i) + shift);
            }
            int info = backend.potrf(a);
            if (info != 0) {
                return info;
            }
            backend.potrs(a, rhs == null ? b : rhs);
            if (rhs != null) {
                rhs.copyInto(b);
            }
            return 0;
        }
    }
}
