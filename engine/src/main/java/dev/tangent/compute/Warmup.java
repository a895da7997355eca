package dev.tangent.compute;

import dev.tangent.kernel.KernelSpec;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;

import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Decides when the CPU provider's Vector API kernels are worth compiling, and gets them compiled by C2 off the critical
 * path. Until C2 compiles a Vector API method it runs interpreted or in C1 code that boxes every vector, 50–100× slower
 * than compiled code, and compiling the row map and the transposition costs C2 about a second of CPU time (with the
 * JDK's own vector classes, compiled along because they are hot meanwhile). On a two-core machine that was most of a
 * one-shot 10,000² Gram's cold second. So each dtype starts <em>cold</em>: maps and transposes run their loop twins
 * ({@link HomogeneousRows64#loopRow}, {@link VectorKernels64#transposeScalar}: the same bits, plain Java loops that C2
 * compiles in milliseconds and auto-vectorises; with OpenBLAS the transpositions are its omatcopy, warm or cold), and
 * the process counts the entries it maps ({@link #demand}). Once
 * they reach {@link #WORTH_ENTRIES}, where the vector code's saving (about 2 ns per entry here) outweighs its
 * compilation, a background thread calls each kernel of a spec and dtype on tiny tiles — covering every branch
 * (one-sided, negative, mixed-sign vectors, vector and scalar tails) so that the compiled code meets no uncommon trap
 * later — until it measures compiled speed; from then on the dtype is warm and the vector code runs. A caller that knows
 * a long computation follows starts the warm-up at once ({@link #start}: the benchmarks). Once per spec and dtype per
 * JVM; bounded in time.
 */
final class Warmup {
    /** Calls per kernel: above C2's Tier4InvocationThreshold (5,000). */
    static final int CALLS = 7_000;
    static final long BUDGET_NANOS = 1_500_000_000L;

    /** Compiled code maps and transposes faster than this (interpreted and C1 Vector API code: 20–1,000 ns). */
    static final double READY_NANOS_PER_ELEMENT = 3;

    /**
     * Mapped entries of a dtype after which a process warms the vector code up: the warm-up costs about 1 s of CPU
     * time on the Zen 5 machine of docs/BENCHMARKS.md (its own calls and C2's compilations) and saves about 2 ns per
     * mapped entry (MapBenchmark, f32: the loop twin 2.4–3.4 ns against the vector code's 0.4–1.4; with OpenBLAS the
     * transpositions cost the same either way), so it pays from about 5·10⁸ entries: a symmetric Gram of n ≈ 32,000.
     * The system property {@code tangent.warmup.entries} overrides it (0: warm up at the first Gram).
     */
    static final double WORTH_ENTRIES = Double.parseDouble(System.getProperty("tangent.warmup.entries", "5e8"));

    private static final Map<String, Thread> STARTED = new ConcurrentHashMap<>();
    /** Per dtype: 1 once a warm-up has measured the compiled speed of the one-step row map and the transposition. */
    private static final java.util.concurrent.atomic.AtomicIntegerArray WARM = new java.util.concurrent.atomic.AtomicIntegerArray(
            DType.values().length);
    /** Per dtype: entries mapped so far (while cold). */
    private static final java.util.concurrent.atomic.DoubleAdder[] DEMAND = new java.util.concurrent.atomic.DoubleAdder[DType.values().length];

    static {
        for (int i = 0; i < DEMAND.length; i++) {
            DEMAND[i] = new java.util.concurrent.atomic.DoubleAdder();
        }
    }

    private Warmup() {
    }

    /** Starts (once) the warm-up of {@code spec}'s kernels for Grams of {@code dtype}; returns the running thread. */
    static Thread start(KernelSpec spec, DType dtype) {
        return STARTED.computeIfAbsent(spec + "/" + dtype, k -> {
            Thread t = new Thread(() -> run(spec, dtype), "tangent-warmup");
            t.setDaemon(true);
            t.setPriority(Thread.MIN_PRIORITY);
            t.start();
            return t;
        });
    }

    /**
     * Counts {@code entries} kernel entries about to be mapped for {@code spec} in {@code dtype}; starts the warm-up once
     * the count reaches {@link #WORTH_ENTRIES}.
     */
    static void demand(KernelSpec spec, DType dtype, double entries) {
        if (!cold(dtype)) {
            return;
        }
        DEMAND[dtype.ordinal()].add(entries);
        if (DEMAND[dtype.ordinal()].sum() >= WORTH_ENTRIES) {
            start(spec, dtype);
        }
    }

    /** Whether maps and transposes of {@code dtype} should use their loop twins (the vector code is not compiled yet). */
    static boolean cold(DType dtype) {
        return WARM.get(dtype.ordinal()) == 0;
    }

    /** Whether a warm-up of this spec and dtype is running. */
    static boolean running(KernelSpec spec, DType dtype) {
        Thread t = STARTED.get(spec + "/" + dtype);
        return t != null && t.isAlive();
    }

    static void run(KernelSpec spec, DType dtype) {
        long deadline = System.nanoTime() + BUDGET_NANOS;
        int lanes = 64 / dtype.bytes(); // the widest species: 512 bits
        int cols = 5 * lanes + 3; // four-vector blocks, a single vector, a scalar tail
        int d = 3;
        SplittableRandom r = new SplittableRandom(1);
        try (Matrix x = Matrix.allocate(4, d, dtype); Matrix y = Matrix.allocate(cols, d, dtype);
             Matrix tile = Matrix.allocate(4, cols, dtype); Matrix t = Matrix.allocate(cols, 4, dtype);
             Matrix sq = Matrix.allocate(9, 9, dtype)) {
            // rows of x: all cosines positive, all negative, mixed; y alternates signs in blocks and lanes
            for (int j = 0; j < d; j++) {
                x.set(0, j, 1 + j);
                x.set(1, j, -1 - j);
                x.set(2, j, j % 2 == 0 ? 1 : -0.5);
                x.set(3, j, r.nextDouble(-1, 1));
            }
            for (int i = 0; i < cols; i++) {
                for (int j = 0; j < d; j++) {
                    y.set(i, j, (i / lanes) % 2 == 0 ? 1 + j : r.nextDouble(-1, 1));
                }
            }
            double[] nx = PanelGram.squaredNorms(x);
            double[] ny = PanelGram.squaredNorms(y);
            HomogeneousMap hm = CpuProvider.homogeneous(spec);
            TileMap map;
            if (hm != null) {
                HomogeneousMap.Norms na = new HomogeneousMap.Norms(nx);
                HomogeneousMap.Norms nb = new HomogeneousMap.Norms(ny);
                double scale = spec.input().scale(d);
                // the vector code itself, whatever cold() says
                map = (c, i, j) -> hm.map(c.dtype(), c.rows(), c.cols(), c.segment(), c.offset(), c.ld(), na, i, nb, j, scale, true);
            } else { // the layered map has no loop twin: this warm-up only compiles it and leaves the dtype cold
                map = CpuProvider.tileMap(null, spec, nx, ny, d);
            }
            long mapNanos = 0;
            long transposeNanos = 0;
            final int batch = 64;
            for (int call = 0; call < CALLS && System.nanoTime() < deadline; call++) {
                for (int i = 0; i < 4; i++) {
                    for (int j = 0; j < cols; j++) {
                        double dot = 0;
                        for (int k = 0; k < d; k++) {
                            dot += x.get(i, k) * y.get(j, k);
                        }
                        tile.set(i, j, dot);
                    }
                }
                long t0 = System.nanoTime();
                map.apply(tile.rows(call % 4, 1), call % 4, 0);
                long t1 = System.nanoTime();
                if (call % 4 == 0) {
                    map.apply(tile, 0, 0);
                }
                long t2 = System.nanoTime();
                Blocks.transposeInto(tile, t);
                long t3 = System.nanoTime();
                Blocks.mirrorUpperToLower(sq);
                mapNanos += t1 - t0;
                transposeNanos += t3 - t2;
                if ((call + 1) % batch == 0) {
                    if (mapNanos < READY_NANOS_PER_ELEMENT * batch * cols && transposeNanos < READY_NANOS_PER_ELEMENT * batch * 4 * cols) {
                        if (hm != null) {
                            WARM.set(dtype.ordinal(), 1); // compiled: the real work takes the vector code from here on
                        }
                        break;
                    }
                    mapNanos = 0;
                    transposeNanos = 0;
                }
            }
        }
    }
}
