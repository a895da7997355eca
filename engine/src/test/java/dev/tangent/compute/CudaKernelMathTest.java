package dev.tangent.compute;

import dev.tangent.RepositoryData;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.memory.DType;
import dev.tangent.verify.IntervalKernel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The per-entry math of the CUDA kernels (native/tangent_kernel_math.cuh), compiled for the host by g++ through
 * native/host_harness.cpp and called through FFM, against the Java it mirrors: the layers' scalar rules
 * ({@link KernelSpec#value}), the one-step map's scalar evaluation ({@link HomogeneousMap#value}, {@code value32}) and
 * the certificates' interval bounds ({@link IntervalKernel}). The layered map and the bounds repeat the Java's operation
 * order and differ only where the C library's atan2, asin and acos round differently from Java's (an ulp or two of an
 * angle); the one-step map has no such function and must agree bit for bit. The kernels' thread and tile logic needs a
 * GPU (CudaProviderGpuTest).
 */
class CudaKernelMathTest {
    @TempDir
    static Path dir;
    private static Arena arena;
    private static MethodHandle layers;
    private static MethodHandle hom64;
    private static MethodHandle hom32;
    private static MethodHandle interval;

    @BeforeAll
    static void build() throws IOException, InterruptedException {
        Path lib = dir.resolve("libtangent_kernel_math.so");
        Process p;
        try {
            p = new ProcessBuilder("g++", "-O2", "-ffp-contract=off", "-shared", "-fPIC", "-o", lib.toString(),
                    RepositoryData.root().resolve("native/host_harness.cpp").toString()).redirectErrorStream(true).start();
        } catch (IOException e) {
            assumeTrue(false, "g++ is not installed: " + e.getMessage());
            return;
        }
        String log = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, "g++ failed: " + log);
        arena = Arena.ofShared();
        SymbolLookup l = SymbolLookup.libraryLookup(lib, arena);
        Linker linker = Linker.nativeLinker();
        layers = linker.downcallHandle(l.find("tk_host_layers").orElseThrow(), FunctionDescriptor.of(JAVA_DOUBLE, ADDRESS, JAVA_INT, JAVA_INT,
                JAVA_DOUBLE, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_LONG));
        hom64 = linker.downcallHandle(l.find("tk_host_hom64").orElseThrow(), FunctionDescriptor.of(JAVA_DOUBLE, JAVA_DOUBLE, JAVA_DOUBLE,
                JAVA_DOUBLE, JAVA_DOUBLE, JAVA_DOUBLE, ADDRESS, JAVA_INT));
        hom32 = linker.downcallHandle(l.find("tk_host_hom32").orElseThrow(), FunctionDescriptor.of(JAVA_FLOAT, JAVA_FLOAT, JAVA_FLOAT,
                JAVA_FLOAT, JAVA_FLOAT, JAVA_FLOAT, ADDRESS, JAVA_INT));
        interval = linker.downcallHandle(l.find("tk_host_interval").orElseThrow(), FunctionDescriptor.ofVoid(JAVA_INT, ADDRESS, JAVA_INT,
                JAVA_INT, JAVA_DOUBLE, JAVA_INT, JAVA_DOUBLE, JAVA_DOUBLE, JAVA_DOUBLE, JAVA_INT, JAVA_DOUBLE, JAVA_DOUBLE, ADDRESS));
    }

    @AfterAll
    static void close() {
        if (arena != null) {
            arena.close();
        }
    }

    /** Pairs (x, y) in d = 5: random, collinear (y = 2x), antipodal (y = −x), with a zero point, nearly collinear. */
    private static List<double[][]> pairs() {
        SplittableRandom r = new SplittableRandom(18);
        List<double[][]> out = new ArrayList<>();
        for (int k = 0; k < 200; k++) {
            double[] x = new double[5];
            double[] y = new double[5];
            for (int j = 0; j < 5; j++) {
                x[j] = r.nextDouble(-2, 2);
                y[j] = k % 4 == 0 ? r.nextDouble(0, 2) : r.nextDouble(-2, 2);
            }
            out.add(new double[][] {x, y});
        }
        double[] x = {0.3, -1.2, 0.8, 2.0, 0.1};
        out.add(new double[][] {x, {0.6, -2.4, 1.6, 4.0, 0.2}});
        out.add(new double[][] {x, {-0.3, 1.2, -0.8, -2.0, -0.1}});
        out.add(new double[][] {x, new double[5]});
        out.add(new double[][] {x, {0.3, -1.2, 0.8, 2.0, 0.1 + 1e-9}});
        return out;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int j = 0; j < a.length; j++) {
            s += a[j] * b[j];
        }
        return s;
    }

    static final String[] SPECS = {"ntk:dense,relu,dense", "nngp:dense,relu,dense", "ntk:dense(1.3,0.2),relu,dense(0.9,0.4),relu,dense",
            "ntk:dense,leaky_relu(0.2),dense,abrelu(-0.5,2),dense", "nngp:dense(1,0.3),erf,dense", "ntk:dense,erf(0.7,1.4,0.2),dense",
            "ntk2", "rf2", "poly(1,3)", "ntk:input(sum),dense,poly(0.5,2),dense"};

    @Test
    void theLayeredMapIsTheLayersRules() throws Throwable {
        int d = 5;
        for (String s : SPECS) {
            KernelSpec spec = KernelSpec.parse(s);
            double[] prog = CudaMaps.program(spec);
            double worst = 0;
            try (Arena a = Arena.ofConfined()) {
                MemorySegment p = a.allocateFrom(JAVA_DOUBLE, prog);
                for (double[][] xy : pairs()) {
                    double xx = dot(xy[0], xy[0]);
                    double yy = dot(xy[1], xy[1]);
                    double c = dot(xy[0], xy[1]);
                    double ref = spec.value(c, xx, yy, d);
                    MemorySegment qa = a.allocateFrom(JAVA_DOUBLE, spec.variances(xx, d));
                    MemorySegment qb = a.allocateFrom(JAVA_DOUBLE, spec.variances(yy, d));
                    double got = (double) layers.invokeExact(p, spec.layers().size(), spec.kind() == KernelSpec.Kind.NTK ? 1 : 0,
                            spec.input().scale(d) * c, qa, 1L, 0L, qb, 1L, 0L);
                    // |K(x, y)| ≤ √(K(x, x)·K(y, y)) for these positive semi-definite kernels: the scale of an entry
                    double scale = Math.max(Math.sqrt(Math.abs(spec.value(xx, xx, xx, d) * spec.value(yy, yy, yy, d))), Math.abs(ref));
                    // the same operations in the same order except atan2/asin (an ulp or two of an angle): 1e-12 of scale
                    assertTrue(Math.abs(got - ref) <= 1e-12 * scale + Double.MIN_NORMAL,
                            spec + " at ⟨x,y⟩ = " + c + ", ‖x‖² = " + xx + ", ‖y‖² = " + yy + ": device math " + got + ", rules " + ref);
                    worst = Math.max(worst, Math.abs(got - ref) / Math.max(scale, Double.MIN_NORMAL));
                }
            }
            System.out.printf("%s: device math vs the layers' rules, max error %.1e of scale%n", spec, worst);
        }
    }

    @Test
    void theOneStepMapIsTheCpuEvaluationBitForBit() throws Throwable {
        SplittableRandom r = new SplittableRandom(7);
        for (String s : new String[] {"ntk:dense,relu,dense", "ntk:dense,relu,dense,relu,dense", "nngp:dense(1.7,0),relu,dense", "rf2"}) {
            KernelSpec spec = KernelSpec.parse(s);
            HomogeneousMap hm = CpuProvider.homogeneous(spec);
            assertTrue(hm != null, spec + " has an accurate one-step map");
            double[] sq = {2.0, 0.5, 0, 3.3};
            for (DType dt : DType.values()) {
                CudaMaps.Tables t = CudaMaps.tables(spec, hm, sq, sq, 7, dt);
                double[] coef = t.coefficients();
                double[][] norms = CudaMaps.Tables.norms(sq, t.scale());
                try (Arena a = Arena.ofConfined()) {
                    MemorySegment c64 = a.allocateFrom(JAVA_DOUBLE, coef);
                    float[] cf = new float[coef.length];
                    for (int k = 0; k < cf.length; k++) {
                        cf[k] = (float) coef[k];
                        if (dt == DType.F32) {
                            assertEquals(coef[k], cf[k], 0.0, "f32 coefficients are floats");
                        }
                    }
                    MemorySegment c32 = a.allocateFrom(JAVA_FLOAT, cf);
                    for (int k = 0; k < 2000; k++) {
                        int i = r.nextInt(sq.length);
                        int j = r.nextInt(sq.length);
                        double ni = norms[0][i];
                        double nj = norms[0][j];
                        double c = r.nextDouble(-1.05, 1.05) * ni * nj; // beyond ±1 too: the clamp
                        if (dt == DType.F64) {
                            double want = hm.value(c * norms[1][i] * norms[1][j]) * norms[2][i] * nj;
                            double got = (double) hom64.invokeExact(c, norms[1][i], norms[2][i], nj, norms[1][j], c64, t.terms());
                            assertEquals(want, got, 0.0, spec + " f64 at " + i + ", " + j + ", c = " + c);
                        } else {
                            float cc = (float) c;
                            float ri = (float) norms[1][i];
                            float rj = (float) norms[1][j];
                            float si = (float) norms[2][i];
                            float nf = (float) nj;
                            float want = hm.value32(cc * ri * rj) * si * nf;
                            float got = (float) hom32.invokeExact(cc, ri, si, nf, rj, c32, t.terms());
                            assertEquals(want, got, 0.0f, spec + " f32 at " + i + ", " + j + ", c = " + cc);
                        }
                    }
                }
            }
        }
    }

    @Test
    void theIntervalBoundsAreIntervalKernels() throws Throwable {
        int d = 784;
        SplittableRandom r = new SplittableRandom(11);
        int n = 64;
        double[] dot = new double[n];
        double[] norm = new double[n];
        record Case(String spec, IntervalKernel.NanMode mode, int device) { }
        List<Case> cases = List.of(
                new Case("ntk:dense,relu,dense", IntervalKernel.NanMode.SOUND, CudaIntervals.TWO_LAYER_SOUND),
                new Case("ntk:dense,relu,dense", IntervalKernel.NanMode.REFERENCE, CudaIntervals.TWO_LAYER_REFERENCE),
                new Case("ntk:dense(1.4,0),relu,dense(1.4,0)", IntervalKernel.NanMode.SOUND, CudaIntervals.TWO_LAYER_SOUND),
                new Case("ntk:dense,relu,dense,relu,dense", IntervalKernel.NanMode.SOUND, CudaIntervals.RECURSION),
                new Case("nngp:dense(1.2,0.3),relu,dense(1.2,0.3),relu,dense", IntervalKernel.NanMode.SOUND, CudaIntervals.RECURSION),
                new Case("ntk:dense,leaky_relu(0.1),dense", IntervalKernel.NanMode.SOUND, CudaIntervals.RECURSION));
        for (Case cs : cases) {
            KernelSpec spec = KernelSpec.parse(cs.spec());
            boolean two = cs.device() != CudaIntervals.RECURSION;
            assertEquals(two, IntervalKernel.isTwoLayerNtk(spec), cs + ": the host picks the same bound");
            double w4 = two ? Math.pow(spec.fullyConnected().orElseThrow().weightStd(), 4) : 1;
            double[] prog = CudaMaps.intervalProgram(spec);
            double worst = 0;
            try (Arena a = Arena.ofConfined()) {
                MemorySegment p = a.allocateFrom(JAVA_DOUBLE, prog);
                MemorySegment out = a.allocate(JAVA_DOUBLE, 2);
                for (double delta : new double[] {0, 1e-4, 0.003, 0.02, 0.1, 0.5}) {
                    double xx = r.nextDouble(5, 120);
                    for (int i = 0; i < n; i++) {
                        norm[i] = i == 0 ? 0 : r.nextDouble(1, 12);
                        dot[i] = r.nextDouble(-1, 1) * norm[i] * Math.sqrt(xx);
                    }
                    double[] lo = new double[n];
                    double[] hi = new double[n];
                    IntervalKernel.bounds(spec, cs.mode(), xx, delta, d, dot, norm, n, lo, hi);
                    for (int i = 0; i < n; i++) {
                        interval.invokeExact(cs.device(), p, spec.layers().size(), spec.kind() == KernelSpec.Kind.NTK ? 1 : 0,
                                spec.input().scale(d), spec.activations() + 1, w4, xx, delta, d, dot[i], norm[i], out);
                        double gl = out.getAtIndex(JAVA_DOUBLE, 0);
                        double gh = out.getAtIndex(JAVA_DOUBLE, 1);
                        // the kernel's scale at these norms, ‖x‖‖x_i‖/d up to the stack's constant; acos/atan2 may differ by an ulp
                        double scale = Math.max(Math.max(Math.abs(lo[i]), Math.abs(hi[i])), Math.sqrt(xx) * norm[i] / d);
                        String where = cs + " δ = " + delta + ", point " + i;
                        assertTrue(Math.abs(gl - lo[i]) <= 1e-12 * scale || gl == lo[i], where + ": lo " + gl + " vs " + lo[i]);
                        assertTrue(Math.abs(gh - hi[i]) <= 1e-12 * scale || gh == hi[i], where + ": hi " + gh + " vs " + hi[i]);
                        if (scale > 0) {
                            worst = Math.max(worst, Math.max(Math.abs(gl - lo[i]), Math.abs(gh - hi[i])) / scale);
                        }
                    }
                }
            }
            System.out.printf("%s: device interval bounds vs IntervalKernel, max difference %.1e of scale%n", cs, worst);
        }
    }
}
