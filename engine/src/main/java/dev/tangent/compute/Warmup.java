package dev.tangent.compute;

import dev.tangent.kernel.KernelSpec;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;

import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Gets the CPU provider's Vector API kernels compiled by C2 before the real work needs them. Until C2 compiles a
 * Vector API method it runs interpreted or in C1 code that boxes every vector, 50–100× slower; C2 compiles a method
 * after about 5,000 calls, and the Gram's mirror runs one call per 256² tile, so in a one-shot process most of a
 * 10,000² Gram used to be mapped and mirrored in slow code (1.6 s of 2.4 s). A background thread calls each kernel
 * of a spec and dtype on tiny tiles — covering every branch (one-sided, negative, mixed-sign vectors, vector and scalar
 * tails) so that the compiled code meets no uncommon trap later — while the provider runs the first GEMMs
 * ({@link PanelGram} defers the maps of the first chunks meanwhile). Once per spec and dtype per JVM; bounded in time.
 *
 * <p>Until the warm-up measures the compiled speed of the row map and the transposition of a dtype (a few ns per
 * element, which neither the interpreter nor C1's boxing code reaches), that dtype is <em>cold</em>: the provider then
 * maps and transposes with the scalar twins of those loops, which give the same bits and compile in milliseconds.
 */
final class Warmup {
    /** Calls per kernel: above C2's Tier4InvocationThreshold (5,000). */
    static final int CALLS = 7_000;
    static final long BUDGET_NANOS = 1_500_000_000L;

    /** Compiled code maps and transposes faster than this (interpreted and C1 Vector API code: 20–1,000 ns). */
    static final double READY_NANOS_PER_ELEMENT = 3;

    private static final Map<String, Thread> STARTED = new ConcurrentHashMap<>();
    /** Per dtype: 1 while a warm-up of the homogeneous map runs and has not yet measured compiled speed. */
    private static final java.util.concurrent.atomic.AtomicIntegerArray COLD = new java.util.concurrent.atomic.AtomicIntegerArray(
            DType.values().length);

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

    /** Whether maps and transposes of {@code dtype} should use their scalar twins (the vector code is not yet compiled). */
    static boolean cold(DType dtype) {
        return COLD.get(dtype.ordinal()) > 0;
    }

    /** Whether the warm-up of this spec and dtype has finished (false when it never started). */
    static boolean done(KernelSpec spec, DType dtype) {
        Thread t = STARTED.get(spec + "/" + dtype);
        return t != null && !t.isAlive();
    }

    static void run(KernelSpec spec, DType dtype) {
        long deadline = System.nanoTime() + BUDGET_NANOS;
        boolean cold = false;
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
                COLD.incrementAndGet(dtype.ordinal());
                cold = true;
            } else {
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
                    if (cold && mapNanos < READY_NANOS_PER_ELEMENT * batch * cols
                            && transposeNanos < READY_NANOS_PER_ELEMENT * batch * 4 * cols) {
                        break; // compiled: the real work takes the vector code from here on
                    }
                    mapNanos = 0;
                    transposeNanos = 0;
                }
            }
        } finally {
            if (cold) {
                COLD.decrementAndGet(dtype.ordinal());
            }
        }
    }
}
