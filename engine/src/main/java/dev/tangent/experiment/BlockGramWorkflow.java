package dev.tangent.experiment;

import dev.tangent.TangentException;
import dev.tangent.compute.KernelProvider;
import dev.tangent.compute.KernelProviders;
import dev.tangent.data.Dataset;
import dev.tangent.data.Input;
import dev.tangent.data.Normalization;
import dev.tangent.io.Digest;
import dev.tangent.io.GramShards;
import dev.tangent.io.Npy;
import dev.tangent.io.TempFiles;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The block Gram ({@code tangent spark gram}): K(X, X) cut into row blocks, each computed by one task — on a cluster's
 * executors, or here — with the provider that {@link KernelProviders#select} picks where the task runs, and written as
 * a {@link GramShards} directory. The driver loads X once (data spec, selection, normalisation, exactly as
 * {@code tangent gram} does) and writes it into the directory as {@code x.npy}, which every task reads (the directory
 * is on a file system every executor sees). A block is {@link KernelProvider#gramPanelsInto} over whole panels, so the
 * blocks assemble into the single-process Gram bit for bit (same backend, tile and dtype). A block is computed in memory
 * (at most {@value #MAX_BLOCK_BYTES} bytes by default) and written by {@link Npy#write}. A task whose block file is
 * already there (a retry after a lost executor, or a rerun of an interrupted job) reuses it; the index is written when
 * every block is there.
 */
public final class BlockGramWorkflow {
    /** The prepared inputs in the output directory. */
    public static final String X_FILE = "x.npy";

    private BlockGramWorkflow() {
    }

    /**
     * @param backend   the provider every task selects ({@code --backend}), as {@link KernelProviders#select} reads it
     * @param threads   threads of each task's provider
     * @param blockRows rows per block (a multiple of the provider's panel height), or 0 for the default (about four
     *                  blocks per task slot, each at most {@value #MAX_BLOCK_BYTES} bytes)
     */
    public record Request(Input x, Normalization norm, KernelSpec spec, DType dtype, String backend, int threads, int tile,
                          int blockRows, Path out) {
    }

    /** @param reused blocks found finished from an earlier attempt */
    public record Result(int n, int dim, int blocks, int reused, int blockRows, double loadSeconds, double seconds, String where,
                         String xDescription) {
    }

    /** Largest default block (bytes of its trapezoid). */
    static final long MAX_BLOCK_BYTES = 256L << 20;

    /** What one task computes: everything serialisable (plain strings and numbers). */
    record BlockTask(String dir, String spec, DType dtype, String backend, int threads, int tile, int n, int from, int to)
            implements Serializable {
    }

    /**
     * The checks of {@link #run} that need neither the data nor the cluster (options, the output directory), so that a
     * command can make them before it starts Spark; creates nothing. Returns the provider's panel height.
     */
    public static int check(Request r) {
        if (r.tile() < 8) {
            throw new TangentException("--tile must be >= 8, found " + r.tile());
        }
        if (r.threads() < 1) {
            throw new TangentException("--threads must be >= 1, found " + r.threads());
        }
        checkOutput(r.out().toAbsolutePath().normalize());
        int panel = provider(r.backend(), r.threads(), r.tile()).panelRows();
        if (r.blockRows() < 0 || r.blockRows() % panel != 0) {
            throw new TangentException("--block-rows " + r.blockRows() + ": expected a positive multiple of the panel height " + panel
                    + " (2 x --tile)");
        }
        return panel;
    }

    public static Result run(Request r, Reporter reporter, Tasks tasks) {
        int panel = check(r);
        Path dir = r.out().toAbsolutePath().normalize();
        long t0 = System.nanoTime();
        int n;
        int dim;
        String xDescription;
        try (Dataset x = r.x().load(r.dtype(), r.norm())) {
            n = x.size();
            dim = x.dim();
            xDescription = x.description();
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new TangentException("--out " + r.out() + ": cannot create directory: " + e.getMessage(), e);
            }
            Path xf = dir.resolve(X_FILE);
            if (Files.exists(xf)) {
                try (Matrix old = Npy.readMatrix(xf, r.dtype(), "--out")) {
                    if (!same(old, x.x())) {
                        throw new TangentException("--out " + r.out() + ": holds the blocks of another Gram (its " + X_FILE
                                + " differs from --x); choose a new directory");
                    }
                }
            } else {
                Npy.write(xf, x.x());
            }
        }
        int blockRows = r.blockRows() > 0 ? r.blockRows() : defaultBlockRows(n, panel, r.dtype(), tasks.parallelism());
        List<BlockTask> work = new ArrayList<>();
        int reused = 0;
        for (int[] b : GramShards.plan(n, panel, blockRows)) {
            if (GramShards.existing(dir, b[0], b[1], n, r.dtype()) != null) {
                reused++;
            }
            work.add(new BlockTask(dir.toString(), r.spec().toString(), r.dtype(), r.backend(), r.threads(), r.tile(), n, b[0], b[1]));
        }
        long t1 = System.nanoTime();
        reporter.note("block Gram: " + n + " x " + n + " " + r.dtype() + " in " + work.size() + " blocks of " + blockRows + " rows on "
                + tasks.describe() + (reused > 0 ? " (" + reused + " blocks finished earlier, reused)" : ""));
        List<GramShards.Block> blocks = tasks.map("gram blocks", work, BlockGramWorkflow::computeBlock);
        for (TempFiles.Discarded d : TempFiles.reclaimStale(dir)) {
            reporter.note("removed " + d.path().getFileName() + ", the unfinished block of a lost task");
        }
        String input = X_FILE + " sha256 " + Digest.sha256(dir.resolve(X_FILE)) + " (" + xDescription + ", normalize "
                + (r.norm() == null ? "default" : r.norm()) + ")";
        GramShards.writeIndex(dir, new GramShards.Index(n, r.dtype(), r.spec().toString(), panel, input, blocks));
        long t2 = System.nanoTime();
        return new Result(n, dim, blocks.size(), reused, blockRows, (t1 - t0) / 1e9, (t2 - t1) / 1e9, tasks.describe(), xDescription);
    }

    /** One task: the block's file, reused when a finished one is there, else computed, written and renamed into place. */
    static GramShards.Block computeBlock(BlockTask t) {
        Path dir = Path.of(t.dir());
        GramShards.Block done = GramShards.existing(dir, t.from(), t.to(), t.n(), t.dtype());
        if (done != null) {
            return done;
        }
        Path file = dir.resolve(GramShards.fileName(t.from(), t.to()));
        KernelProvider p = provider(t.backend(), t.threads(), t.tile());
        try (Matrix x = Npy.readMatrix(dir.resolve(X_FILE), t.dtype(), "");
             Matrix out = Matrix.allocate(t.to() - t.from(), t.n() - t.from(), t.dtype())) {
            p.gramPanelsInto(KernelSpec.parse(t.spec()), x, t.from(), t.to(), out, KernelProvider.Progress.NONE);
            Npy.write(file, out); // temp file + rename: the block appears complete or not at all
        }
        return new GramShards.Block(t.from(), t.to(), file.getFileName().toString(), Digest.sha256(file));
    }

    /** One provider per (backend, threads, tile) and process: an executor runs many tasks with it. */
    private static final Map<String, KernelProvider> PROVIDERS = new ConcurrentHashMap<>();

    static KernelProvider provider(String backend, int threads, int tile) {
        return PROVIDERS.computeIfAbsent(backend + "/" + threads + "/" + tile, k -> KernelProviders.select(backend, threads, tile).provider());
    }

    /** About four blocks per task slot, none over {@link #MAX_BLOCK_BYTES}, whole panels each. */
    static int defaultBlockRows(int n, int panel, DType dtype, int parallelism) {
        int panels = (n + panel - 1) / panel;
        int byCount = Math.max(1, (panels + 4 * parallelism - 1) / (4 * parallelism));
        long panelBytes = (long) panel * n * dtype.bytes();
        int bySize = (int) Math.max(1, MAX_BLOCK_BYTES / Math.max(1, panelBytes));
        return Math.min(byCount, bySize) * panel;
    }

    /**
     * The output directory must be new, empty, or the unfinished directory of this same job (then its finished blocks
     * are reused); a complete block Gram or a directory holding anything else is refused, with nothing created.
     */
    private static void checkOutput(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        if (!Files.isDirectory(dir)) {
            throw new TangentException("--out " + dir + ": exists and is not a directory; expected a new directory for the blocks");
        }
        if (Files.exists(dir.resolve(GramShards.INDEX))) {
            throw new TangentException("--out " + dir + ": holds a finished block Gram (" + GramShards.INDEX + "); choose a new directory");
        }
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String f = p.getFileName().toString();
                if (!f.equals(X_FILE) && !f.matches("rows-\\d{8}-\\d{8}\\.npy") && !TempFiles.isTemp(p)) {
                    throw new TangentException("--out " + dir + ": holds " + f + ", which is not part of a block Gram; choose a new directory");
                }
            }
        } catch (IOException e) {
            throw new TangentException("--out " + dir + ": cannot list: " + e.getMessage(), e);
        }
    }

    private static boolean same(Matrix a, Matrix b) {
        if (a.rows() != b.rows() || a.cols() != b.cols()) {
            return false;
        }
        for (int i = 0; i < a.rows(); i++) {
            for (int j = 0; j < a.cols(); j++) {
                if (Double.doubleToRawLongBits(a.get(i, j)) != Double.doubleToRawLongBits(b.get(i, j))) {
                    return false;
                }
            }
        }
        return true;
    }
}
