package dev.tangent.machine;

import dev.tangent.TangentException;
import dev.tangent.memory.DType;
import dev.tangent.memory.MemoryBudget;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The explicit memory and time model that chooses how {@link KernelRidge} solves a grid: every candidate plan (one
 * eigendecomposition; Cholesky factors at anchor shifts, optimally placed, with CG for the shifts between; Nyström-CG
 * on the stored Gram or matrix-free, at several ranks; Cholesky for the small shifts with Nyström-CG above) gets a
 * memory total and a time estimate from measured machine rates ({@link Rates}) and an estimate of K's spectrum
 * ({@link Spectrum}); the fastest plan that fits the memory budget wins. {@code --dry-run} prints this table.
 *
 * <p>Iteration counts use CG's bound k ≤ ½·√κ·ln(2/tol) + 1 with the preconditioned condition number of each shift s:
 * (λ_min + s)/(λ_min + a) for a Cholesky anchor a ≤ s (the spectrum of (K + aI)⁻¹(K + sI) lies in
 * [(λ_max + s)/(λ_max + a), (λ_min + s)/(λ_min + a)]), (λ_{r+1} + s)/(λ_min + s) for a Nyström preconditioner of rank r
 * (its error ‖K − K̂‖ is about λ_{r+1}), and a few products for the exact (anchor and eigendecomposition) systems.
 * Measured on Fashion-MNIST with the two-layer NTK (n = 4,000, r = 1,000, tol 1e-8) the bound predicted 56 iterations
 * for the smallest shift and CG took 57.
 */
public final class RidgePlan {
    private RidgePlan() {
    }

    /** What {@code --solver} allows. */
    public enum Family { AUTO, EIGH, CHOLESKY, CG;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Rates of this machine and provider, measured by the workflow (small GEMMs, a factorisation, the Gram of a sample).
     *
     * @param gemm64       f64 GEMM flop/s
     * @param potrf        Cholesky flop/s in the Gram's dtype (n³/3 flops)
     * @param potrf64      Cholesky flop/s in f64
     * @param widen        seconds per stored kernel entry that every product pays whatever its columns (reading the
     *                     entry, widening an f32 entry to f64)
     * @param gramEntry    seconds per entry of a symmetric Gram (n² entries, half computed)
     * @param crossEntry   seconds per entry of a cross Gram
     * @param eighPerPotrf time of a symmetric eigendecomposition over a Cholesky factorisation of the same order
     */
    public record Rates(double gemm64, double potrf, double potrf64, double widen, double gramEntry, double crossEntry, double eighPerPotrf) {
        /** ssyevd took 16.6 s at n = 8,000 where spotrf runs at 432 GFLOP/s (Zen 5, 2 threads; issue 15): 42×. */
        public static final double EIGH_PER_POTRF = 42;

        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("gemm64_gflops", gemm64 / 1e9);
            m.put("potrf_gflops", potrf / 1e9);
            m.put("potrf64_gflops", potrf64 / 1e9);
            m.put("product_ns_per_entry", widen * 1e9);
            m.put("gram_ns_per_entry", gramEntry * 1e9);
            m.put("cross_gram_ns_per_entry", crossEntry * 1e9);
            m.put("eigh_per_potrf", eighPerPotrf);
            return m;
        }
    }

    /**
     * K's spectrum estimated from the Gram of a uniform sample of p points: λ_k(K) ≈ (n/p)·μ_k for k ≤ p/2 (μ the
     * sample's eigenvalues, descending), a power law fitted on k ∈ [p/8, p/2] beyond, never below λ_min. λ_min: the
     * smallest eigenvalue falls as points are added (interlacing: λ_min(K) ≤ μ_min), so it is measured on nested samples
     * (every fourth, every second and every point of the sample, {@code nestedMin}) and its power law in the sample size
     * carried to n; without them it is μ_min, an optimistic estimate. Measured on Fashion-MNIST with the two-layer NTK at n = 60,000: μ_min of
     * the 2,048-point sample 17.9, while the Nyström-CG iteration counts of the full problem put λ_min near 4–5.
     *
     * @param nestedMin μ_min of the nested samples, smallest sample first (empty: unknown)
     */
    public record Spectrum(int n, double[] sampleDescending, double[] nestedMin, int[] nestedSize) {
        public Spectrum(int n, double[] sampleDescending) {
            this(n, sampleDescending, new double[0], new int[0]);
        }

        public double lambdaMax() {
            return sampleDescending.length == 0 ? 0 : (double) n / sampleDescending.length * sampleDescending[0];
        }

        public double lambdaMin() {
            if (sampleDescending.length == 0) {
                return 0;
            }
            double mu = Math.max(0, sampleDescending[sampleDescending.length - 1]);
            return Math.min(mu, Math.max(0, extrapolatedMin()));
        }

        /** μ_min's power law in the sample size (least squares on the logs), at n; +∞ without nested samples. */
        private double extrapolatedMin() {
            int m = nestedMin.length;
            if (m < 2 || n <= nestedSize[m - 1]) {
                return Double.POSITIVE_INFINITY;
            }
            double sx = 0;
            double sy = 0;
            double sxx = 0;
            double sxy = 0;
            for (int i = 0; i < m; i++) {
                if (!(nestedMin[i] > 0)) {
                    return 0;
                }
                double x = Math.log(nestedSize[i]);
                double y = Math.log(nestedMin[i]);
                sx += x;
                sy += y;
                sxx += x * x;
                sxy += x * y;
            }
            double slope = Math.min(0, (m * sxy - sx * sy) / (m * sxx - sx * sx)); // never rising with n
            return nestedMin[m - 1] * Math.pow((double) n / nestedSize[m - 1], slope);
        }

        /** λ_k (k from 1). */
        public double lambda(long k) {
            int p = sampleDescending.length;
            if (p == 0) {
                return 0;
            }
            double scale = (double) n / p;
            int half = Math.max(1, p / 2);
            if (k <= half) {
                return Math.max(lambdaMin(), scale * sampleDescending[(int) k - 1]);
            }
            int lo = Math.max(1, p / 8);
            double a = sampleDescending[lo - 1];
            double b = sampleDescending[half - 1];
            double alpha = a > 0 && b > 0 && half > lo ? Math.log(a / b) / Math.log((double) half / lo) : 0;
            return Math.max(lambdaMin(), scale * b * Math.pow((double) k / half, -Math.max(0, alpha)));
        }
    }

    /**
     * The problem's size and the user's constraints.
     *
     * @param fixedBytes  memory the run holds whatever the plan (data, targets, solutions)
     * @param budget      bytes the plan may use in all
     * @param factorizations for cholesky: −1 = choose, 0 = every shift, k &gt; 0 = exactly k anchors
     * @param nystromRank 0 = choose
     * @param matrixFree  null = choose, else force the stored Gram (false) or the matrix-free kernel (true)
     */
    public record Shape(int n, int nTest, int outputs, double[] shifts, DType dtype, double tol, int maxIterations, long fixedBytes,
                        long budget, Family family, int factorizations, int nystromRank, Boolean matrixFree) {
    }

    /** One candidate: its settings, whether the Gram is stored (and how many rows when matrix-free), memory and time. */
    public record Candidate(String name, KernelRidge.Settings settings, boolean storedGram, int storedRows, long bytes,
                            Map<String, Double> seconds, int[] iterations, String why) {
        public double totalSeconds() {
            return seconds.values().stream().mapToDouble(Double::doubleValue).sum();
        }

        public boolean feasible() {
            return why == null;
        }
    }

    /** The chosen plan and every candidate considered. */
    public record Choice(Candidate chosen, List<Candidate> candidates, Rates rates, Spectrum spectrum, long budget) {
    }

    /** Points of the sample the rates and the spectrum are measured on. */
    public static final int SAMPLE = 2048;

    /** The rates and the spectrum estimate, measured once per run. */
    public record Measured(Rates rates, Spectrum spectrum) {
    }

    /**
     * Measures the rates on this provider (GEMM and Cholesky of order 1,024–2,048, the Gram of a sample of the training
     * points with the run's kernel, one product with it) and estimates K's spectrum from the sample's eigenvalues:
     * about a second or two.
     */
    public static Measured measure(dev.tangent.compute.KernelProvider provider, dev.tangent.kernel.KernelSpec spec,
                                   dev.tangent.memory.Matrix x, DType dtype, long seed) {
        return measure(provider, spec, x, dtype, seed, SAMPLE);
    }

    /** As {@link #measure(dev.tangent.compute.KernelProvider, dev.tangent.kernel.KernelSpec, dev.tangent.memory.Matrix, DType, long)} on a sample of {@code samplePoints}. */
    static Measured measure(dev.tangent.compute.KernelProvider provider, dev.tangent.kernel.KernelSpec spec,
                            dev.tangent.memory.Matrix x, DType dtype, long seed, int samplePoints) {
        int n = x.rows();
        int p = Math.min(n, samplePoints);
        int[] idx = NystromPreconditioner.landmarks(n, p, seed);
        try (dev.tangent.memory.Matrix xs = dev.tangent.memory.Matrix.allocate(p, x.cols(), dtype)) {
            for (int a = 0; a < p; a++) {
                x.rows(idx[a], 1).copyInto(xs.rows(a, 1));
            }
            double gram = Double.POSITIVE_INFINITY;
            Sample sample = null;
            for (int rep = 0; rep < 2; rep++) {
                long t0 = System.nanoTime();
                try (dev.tangent.compute.KernelMatrix k = provider.gram(spec, xs, null, dtype, dev.tangent.compute.KernelProvider.Progress.NONE)) {
                    gram = Math.min(gram, (System.nanoTime() - t0) / 1e9);
                    sample = sample(provider, k, dtype, rep == 1, sample);
                }
            }
            double cross = Double.POSITIVE_INFINITY;
            int h = Math.max(1, p / 2);
            try (dev.tangent.memory.Matrix out = dev.tangent.memory.Matrix.allocate(h, p - h, dtype)) {
                for (int rep = 0; rep < 2 && p > 1; rep++) {
                    long t0 = System.nanoTime();
                    provider.gramInto(spec, xs.rows(0, h), xs.rows(h, p - h), out, dev.tangent.compute.KernelProvider.Progress.NONE);
                    cross = Math.min(cross, (System.nanoTime() - t0) / 1e9);
                }
            }
            double pp = p;
            return sample.measured(n, gram / (pp * pp), p > 1 ? cross / ((double) h * (p - h)) : gram / (pp * pp), gemm(provider.backend()));
        }
    }

    /**
     * The same measurement on a Gram the caller already holds (n × n, stored): the sample is a principal submatrix of
     * {@code k} gathered at uniformly drawn points; the Gram's own rates are 0 (it exists).
     */
    public static Measured measure(dev.tangent.compute.KernelProvider provider, dev.tangent.compute.KernelMatrix k, long seed) {
        int n = k.rows();
        int p = Math.min(n, SAMPLE);
        int[] idx = NystromPreconditioner.landmarks(n, p, seed);
        Sample sample = null;
        for (int rep = 0; rep < 2; rep++) {
            dev.tangent.memory.Matrix m = dev.tangent.memory.Matrix.allocate(p, p, k.dtype());
            try {
                k.gather(idx, idx, m);
            } catch (RuntimeException e) {
                m.close();
                throw e;
            }
            try (dev.tangent.compute.KernelMatrix ks = provider.adopt(m)) { // closes m
                sample = sample(provider, ks, k.dtype(), rep == 1, sample);
            }
        }
        return sample.measured(n, 0, 0, gemm(provider.backend()));
    }

    /** The rates one sample Gram gives (best of the repetitions so far) and, once, its eigenvalues. */
    private record Sample(int p, double product, double potrf, double potrf64, double[] eig, double[] nestedMin, int[] nestedSize) {
        Measured measured(int n, double gramEntry, double crossEntry, double gemm) {
            double pp = p;
            int g = GEMM_ORDER;
            Rates rates = new Rates(2.0 * g * g * g / gemm, pp * pp * pp / 3 / potrf, pp * pp * pp / 3 / potrf64, product / (pp * pp),
                    gramEntry, crossEntry, Rates.EIGH_PER_POTRF);
            double[] desc = new double[p];
            for (int i = 0; i < p; i++) {
                desc[i] = eig[p - 1 - i];
            }
            return new Measured(rates, new Spectrum(n, desc, nestedMin, nestedSize));
        }
    }

    private static final int GEMM_ORDER = 1024;

    private static Sample sample(dev.tangent.compute.KernelProvider provider, dev.tangent.compute.KernelMatrix k, DType dtype,
                                 boolean eigenvalues, Sample before) {
        int p = k.rows();
        dev.tangent.compute.Backend b = provider.backend();
        double product;
        try (dev.tangent.memory.Matrix v = dev.tangent.memory.Matrix.allocate(p, 1, DType.F64);
             dev.tangent.memory.Matrix o = dev.tangent.memory.Matrix.allocate(p, 1, DType.F64)) {
            long t1 = System.nanoTime();
            k.multiply(v, o);
            product = (System.nanoTime() - t1) / 1e9;
        }
        double[] eig = before == null ? new double[p] : before.eig();
        int[] nestedSize = before == null ? nestedSizes(p) : before.nestedSize();
        double[] nestedMin = before == null ? new double[nestedSize.length] : before.nestedMin();
        if (eigenvalues) {
            for (int q = 0; q < nestedSize.length; q++) {
                int size = nestedSize[q];
                try (dev.tangent.memory.Matrix f = dev.tangent.memory.Matrix.allocate(size, size, DType.F64)) {
                    if (size == p) {
                        k.copyRows(0, f);
                    } else { // every (p/size)-th point of the (uniform, sorted) sample: a uniform sample over all of X
                        int[] at = new int[size];
                        for (int i = 0; i < size; i++) {
                            at[i] = i * (p / size);
                        }
                        k.gather(at, at, f);
                    }
                    double[] e = size == p ? eig : new double[size];
                    if (b.syevd(f, e) != 0) {
                        Arrays.fill(e, 0);
                    }
                    nestedMin[q] = e[0];
                }
            }
        }
        double potrf = Double.POSITIVE_INFINITY;
        double potrf64 = Double.POSITIVE_INFINITY;
        for (DType t : new DType[] {dtype, DType.F64}) {
            try (dev.tangent.memory.Matrix f = dev.tangent.memory.Matrix.allocate(p, p, t)) {
                k.copyRows(0, f);
                double trace = 0;
                for (int i = 0; i < p; i++) {
                    trace += f.get(i, i);
                }
                for (int i = 0; i < p; i++) {
                    f.set(i, i, f.get(i, i) + trace / p * 1e-3);
                }
                long t2 = System.nanoTime();
                b.potrf(f);
                double sec = (System.nanoTime() - t2) / 1e9;
                if (t == dtype) {
                    potrf = Math.min(potrf, sec);
                }
                if (t == DType.F64) {
                    potrf64 = Math.min(potrf64, sec);
                }
            }
        }
        if (before != null) {
            product = Math.min(product, before.product());
            potrf = Math.min(potrf, before.potrf());
            potrf64 = Math.min(potrf64, before.potrf64());
        }
        return new Sample(p, product, potrf, potrf64, eig, nestedMin, nestedSize);
    }

    /** The nested sample sizes λ_min is measured at: p/4, p/2, p (those of at least 64 points; p/4 and p/2 divide p). */
    private static int[] nestedSizes(int p) {
        return java.util.stream.IntStream.of(p / 4, p / 2, p).filter(q -> (q >= 64 && p % q == 0) || q == p).distinct().toArray();
    }

    private static double gemm(dev.tangent.compute.Backend b) {
        double gemm = Double.POSITIVE_INFINITY;
        int g = GEMM_ORDER;
        try (dev.tangent.memory.Matrix a = dev.tangent.memory.Matrix.allocate(g, g, DType.F64);
             dev.tangent.memory.Matrix c = dev.tangent.memory.Matrix.allocate(g, g, DType.F64)) {
            for (int rep = 0; rep < 3; rep++) {
                long t0 = System.nanoTime();
                b.gemm(false, false, 1.0, a, a, 0.0, c);
                gemm = Math.min(gemm, (System.nanoTime() - t0) / 1e9);
            }
        }
        return gemm;
    }

    static final int[] NYSTROM_RANKS = {250, 500, 1000, 2000, 4000, 8000, 16000};

    /** Chooses; throws a one-line {@link TangentException} when nothing the user allowed fits. */
    public static Choice choose(Shape s, Rates rates, Spectrum spec, long seed) {
        return choose(s, rates, spec, seed, true);
    }

    /**
     * Chooses among the candidates a provider can run: without {@code inPlaceAndMatrixFree} (see
     * {@link dev.tangent.compute.KernelProvider#inPlaceAndMatrixFree}) in-place factors and matrix-free kernels are
     * listed but not feasible.
     */
    public static Choice choose(Shape s, Rates rates, Spectrum spec, long seed, boolean inPlaceAndMatrixFree) {
        List<Candidate> all = new ArrayList<>();
        Family f = s.family();
        if (f == Family.AUTO || f == Family.EIGH) {
            all.add(eigh(s, rates, spec, seed));
        }
        if (f == Family.AUTO || f == Family.CHOLESKY) {
            all.add(cholesky(s, rates, spec, seed, false));
            all.add(cholesky(s, rates, spec, seed, true));
        }
        if (f == Family.AUTO || f == Family.CG) {
            for (int r : ranks(s)) {
                if (s.matrixFree() == null || !s.matrixFree()) {
                    all.add(nystrom(s, rates, spec, seed, r, false));
                }
                if (s.matrixFree() == null || s.matrixFree()) {
                    Candidate mf = nystrom(s, rates, spec, seed, r, true);
                    if (mf.storedRows() < s.n() || Boolean.TRUE.equals(s.matrixFree())) {
                        all.add(mf); // with every row stored it is the stored Gram
                    }
                }
            }
        }
        if (f == Family.AUTO && !Boolean.TRUE.equals(s.matrixFree())) {
            for (int r : ranks(s)) { // the best split of each rank
                Candidate best = null;
                for (int split = 1; split < s.shifts().length; split++) {
                    Candidate h = hybrid(s, rates, spec, seed, r, split);
                    if (best == null || h.feasible() && (!best.feasible() || h.totalSeconds() < best.totalSeconds())) {
                        best = h;
                    }
                }
                if (best != null) {
                    all.add(best);
                }
            }
        }
        if (!inPlaceAndMatrixFree) {
            all.replaceAll(c -> c.feasible() && (c.settings().inPlace() || !c.storedGram())
                    ? new Candidate(c.name(), c.settings(), c.storedGram(), c.storedRows(), c.bytes(), c.seconds(), c.iterations(),
                    "this provider has no in-place factor or matrix-free kernel") : c);
        }
        Candidate best = null;
        for (Candidate c : all) {
            if (c.feasible() && (best == null || c.totalSeconds() < best.totalSeconds())) {
                best = c;
            }
        }
        if (best == null) {
            Candidate first = all.isEmpty() ? null : all.get(0);
            throw new TangentException(String.format(Locale.ROOT, "--solver %s: no plan fits: %s (memory budget %s; see --dry-run, "
                    + "--memory, --dtype f32)", f, first == null ? "no candidate" : first.why(), MemoryBudget.human(s.budget())));
        }
        return new Choice(best, all, rates, spec, s.budget());
    }

    private static int[] ranks(Shape s) {
        if (s.nystromRank() > 0) {
            return new int[] {Math.min(s.n(), s.nystromRank())};
        }
        return Arrays.stream(NYSTROM_RANKS).filter(r -> r <= Math.max(1, s.n() / 2)).toArray();
    }

    /** CG iterations for a preconditioned condition number κ (at least 1). */
    static int iterations(double kappa, double tol, int cap) {
        double k = Math.max(1, kappa);
        return (int) Math.min(cap, Math.ceil(0.5 * Math.sqrt(k) * Math.log(2 / tol)) + 1);
    }

    /** Products an exact preconditioner needs: the direct solve plus the check, one refinement more in f32. */
    static int exactIterations(DType dtype) {
        return dtype == DType.F32 ? 3 : 2;
    }

    private static long bytes(Shape s) {
        return s.dtype() == DType.F32 ? 4 : 8;
    }

    private static long gramBytes(Shape s) {
        return bytes(s) * s.n() * s.n();
    }

    /** The CG state of m columns: five heap vectors and three packed blocks per column, in f64. */
    private static long cgBytes(Shape s, int columns) {
        return 8L * 8 * s.n() * columns;
    }

    private static double productSeconds(Shape s, Rates r, int columns, boolean storedGram, int storedRows) {
        double n = s.n();
        double t = n * n * r.widen() + 2 * n * n * columns / r.gemm64();
        if (!storedGram) {
            double rest = n - storedRows;
            t += r.gramEntry() * rest * rest;
        }
        return t;
    }

    /** Train predictions and residuals (one product over every column) and the test cross Gram with its product. */
    private static double finalSeconds(Shape s, Rates r, boolean storedGram, int storedRows) {
        int cols = s.shifts().length * s.outputs();
        return productSeconds(s, r, cols, storedGram, storedRows) + r.crossEntry() * s.n() * s.nTest()
                + 2.0 * s.n() * s.nTest() * cols / r.gemm64() + s.n() * (double) s.nTest() * r.widen();
    }

    private static Map<String, Double> times(double gram, double factor, double iterations, double predictions) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("gram", gram);
        m.put("factorizations", factor);
        m.put("iterations", iterations);
        m.put("predictions", predictions);
        return m;
    }

    private static Candidate eigh(Shape s, Rates r, Spectrum spec, long seed) {
        List<Integer> all = range(0, s.shifts().length);
        KernelRidge.Settings set = new KernelRidge.Settings(List.of(new KernelRidge.Group(KernelRidge.Method.EIGH, -1, all)), s.tol(),
                s.maxIterations(), false, 0, seed);
        long mem = s.fixedBytes() + gramBytes(s) + 3 * gramBytes(s) + cgBytes(s, all.size() * s.outputs());
        int its = exactIterations(s.dtype());
        double n = s.n();
        int cols = all.size() * s.outputs();
        double factor = r.eighPerPotrf() * n * n * n / 3 / r.potrf();
        double iter = its * (productSeconds(s, r, cols, true, 0) + 4 * n * n * cols / r.gemm64() + 2 * n * n * r.widen());
        int[] itArr = new int[s.shifts().length];
        Arrays.fill(itArr, its);
        return new Candidate("eigh", set, true, 0, mem, times(r.gramEntry() * n * n, factor, iter, finalSeconds(s, r, true, 0)), itArr,
                mem > s.budget() ? "eigh needs the Gram, its copy and LAPACK's workspace (4 n^2 elements, " + MemoryBudget.human(mem) + ")"
                        : 1 + 6 * n + 2 * n * n > Integer.MAX_VALUE ? "LAPACK's ?syevd workspace of 2 n^2 elements exceeds its 32-bit sizes (n <= 32,765)"
                        : null);
    }

    /**
     * Cholesky anchors placed by dynamic programming over the sorted shifts: each contiguous run of shifts is served by
     * its best anchor inside it, the runs' costs (a factorisation, then CG over the run's columns) summed.
     */
    private static Candidate cholesky(Shape s, Rates r, Spectrum spec, long seed, boolean inPlace) {
        int m = s.shifts().length;
        Integer[] order = sortedIndices(s.shifts());
        double n = s.n();
        double factor = n * n * n / 3 / r.potrf() + (inPlace ? n * n * 2e-9 : n * n * 1e-9);
        double perColumn = 2 * n * n / r.gemm64() + 2 * n * n / r.potrf() * 1.5;
        double lmin = spec.lambdaMin();
        // cost[i][j]: run order[i..j] with its best anchor
        double[] best = new double[m + 1];
        int[] from = new int[m + 1];
        int[] anchorOf = new int[m + 1];
        Arrays.fill(best, Double.POSITIVE_INFINITY);
        best[0] = 0;
        int forced = s.factorizations();
        int[] count = new int[m + 1];
        for (int j = 1; j <= m; j++) {
            for (int i = 1; i <= j; i++) {
                if (forced == 0 && i != j) {
                    continue; // every shift its own anchor
                }
                double bestRun = Double.POSITIVE_INFINITY;
                int bestAnchor = -1;
                for (int a = i; a <= j; a++) {
                    double sa = s.shifts()[order[a - 1]];
                    double t = factor;
                    int maxIt = 0;
                    for (int q = i; q <= j; q++) {
                        double sq = s.shifts()[order[q - 1]];
                        int it = q == a ? exactIterations(s.dtype()) : iterations(Math.max((lmin + sq) / (lmin + sa), (lmin + sa) / (lmin + sq)),
                                s.tol(), s.maxIterations());
                        t += it * s.outputs() * perColumn;
                        maxIt = Math.max(maxIt, it);
                    }
                    t += maxIt * n * n * r.widen();
                    if (t < bestRun) {
                        bestRun = t;
                        bestAnchor = a;
                    }
                }
                if (best[i - 1] + bestRun < best[j]) {
                    best[j] = best[i - 1] + bestRun;
                    from[j] = i;
                    anchorOf[j] = bestAnchor;
                    count[j] = count[i - 1] + 1;
                }
            }
        }
        List<KernelRidge.Group> groups = new ArrayList<>();
        int[] its = new int[m];
        for (int j = m; j > 0; j = from[j] - 1) {
            int i = from[j];
            int a = anchorOf[j];
            List<Integer> members = new ArrayList<>();
            for (int q = i; q <= j; q++) {
                members.add(order[q - 1]);
                double sq = s.shifts()[order[q - 1]];
                double sa = s.shifts()[order[a - 1]];
                its[order[q - 1]] = q == a ? exactIterations(s.dtype())
                        : iterations(Math.max((lmin + sq) / (lmin + sa), (lmin + sa) / (lmin + sq)), s.tol(), s.maxIterations());
            }
            groups.add(0, new KernelRidge.Group(KernelRidge.Method.CHOLESKY, order[a - 1], members));
        }
        if (forced > 0 && groups.size() != forced) {
            groups = forcedAnchors(s, order, forced, its, lmin);
        }
        double factorTotal = groups.size() * factor;
        double iterTotal = 0;
        for (KernelRidge.Group g : groups) {
            int maxIt = 0;
            for (int q : g.shifts()) {
                iterTotal += its[q] * s.outputs() * perColumn;
                maxIt = Math.max(maxIt, its[q]);
            }
            iterTotal += maxIt * n * n * r.widen();
        }
        int largest = groups.stream().mapToInt(g -> g.shifts().size()).max().orElse(0);
        long mem = s.fixedBytes() + gramBytes(s) * (inPlace ? 1 : 2) + cgBytes(s, largest * s.outputs());
        KernelRidge.Settings set = new KernelRidge.Settings(groups, s.tol(), s.maxIterations(), inPlace, 0, seed);
        String name = "cholesky" + (inPlace ? " in place" : " on a copy") + ", " + groups.size() + " factorization" + (groups.size() == 1 ? "" : "s");
        return new Candidate(name, set, true, 0, mem, times(r.gramEntry() * n * n, factorTotal, iterTotal, finalSeconds(s, r, true, 0)), its,
                mem > s.budget() ? name + " needs " + MemoryBudget.human(mem) : null);
    }

    /** Exactly k anchors, evenly spread over the sorted shifts (each run served by its smallest shift). */
    private static List<KernelRidge.Group> forcedAnchors(Shape s, Integer[] order, int k, int[] its, double lmin) {
        int m = order.length;
        int groups = Math.min(k, m);
        List<KernelRidge.Group> out = new ArrayList<>();
        for (int g = 0; g < groups; g++) {
            int i = g * m / groups;
            int j = (g + 1) * m / groups;
            List<Integer> members = new ArrayList<>();
            double sa = s.shifts()[order[i]];
            for (int q = i; q < j; q++) {
                members.add(order[q]);
                double sq = s.shifts()[order[q]];
                its[order[q]] = q == i ? exactIterations(s.dtype()) : iterations((lmin + sq) / (lmin + sa), s.tol(), s.maxIterations());
            }
            out.add(new KernelRidge.Group(KernelRidge.Method.CHOLESKY, order[i], members));
        }
        return out;
    }

    /** Memory left for stored rows of a matrix-free Gram: the budget minus everything else, in whole rows. */
    private static int storedRows(Shape s, long otherBytes) {
        long left = s.budget() - otherBytes - ImplicitPanel.BYTES;
        long rowBytes = bytes(s) * s.n();
        return (int) Math.max(0, Math.min(s.n(), left / rowBytes));
    }

    /** Constants of the matrix-free kernel that the model needs (kept here: the kernel itself lives in compute). */
    static final class ImplicitPanel {
        static final long BYTES = 256L << 20;
    }

    private static Candidate nystrom(Shape s, Rates r, Spectrum spec, long seed, int rank, boolean matrixFree) {
        List<Integer> all = range(0, s.shifts().length);
        int cols = all.size() * s.outputs();
        double n = s.n();
        long base = s.fixedBytes() + NystromPreconditioner.peakBytes(s.n(), rank) + cgBytes(s, cols);
        int stored = matrixFree ? storedRows(s, base) : 0;
        long mem = base + (matrixFree ? ImplicitPanel.BYTES + bytes(s) * (long) stored * s.n() : gramBytes(s));
        int[] its = new int[s.shifts().length];
        double lr = spec.lambda(rank + 1L);
        double lmin = spec.lambdaMin();
        int maxIt = 0;
        double iter = 0;
        for (int i = 0; i < its.length; i++) {
            double sh = s.shifts()[i];
            its[i] = rank >= s.n() ? exactIterations(s.dtype()) : iterations((lr + sh) / (lmin + sh), s.tol(), s.maxIterations());
            maxIt = Math.max(maxIt, its[i]);
            iter += its[i] * s.outputs() * (2 * n * n / r.gemm64() + 4 * n * rank / r.gemm64());
        }
        double perIteration = n * n * r.widen() + (matrixFree ? r.gramEntry() * (n - stored) * (n - stored) : 0);
        iter += maxIt * perIteration;
        double build = 6 * n * rank * (double) rank / r.gemm64() + 2 * r.eighPerPotrf() * Math.pow(rank, 3) / 3 / r.potrf64()
                + (matrixFree ? r.crossEntry() * n * rank : n * rank * 5e-9);
        double gram = matrixFree ? r.gramEntry() * stored * (double) stored + r.crossEntry() * stored * (n - stored) : r.gramEntry() * n * n;
        KernelRidge.Settings set = new KernelRidge.Settings(List.of(new KernelRidge.Group(KernelRidge.Method.NYSTROM, -1, all)), s.tol(),
                s.maxIterations(), false, rank, seed);
        String name = "cg, nystrom rank " + rank + (matrixFree ? ", matrix-free (" + stored + " rows stored)" : ", stored Gram");
        String why = mem > s.budget() ? name + " needs " + MemoryBudget.human(mem) : maxIt >= s.maxIterations() ? name
                + ": more than --max-iterations " + s.maxIterations() + " estimated" : null;
        return new Candidate(name, set, !matrixFree, stored, mem, times(gram, build, iter, finalSeconds(s, r, !matrixFree, stored)), its, why);
    }

    /** Cholesky (anchors by the DP above) for the {@code split} smallest shifts, Nyström-CG for the rest; stored Gram. */
    private static Candidate hybrid(Shape s, Rates r, Spectrum spec, long seed, int rank, int split) {
        Integer[] order = sortedIndices(s.shifts());
        double[] low = new double[split];
        for (int i = 0; i < split; i++) {
            low[i] = s.shifts()[order[i]];
        }
        Shape sub = new Shape(s.n(), s.nTest(), s.outputs(), low, s.dtype(), s.tol(), s.maxIterations(), s.fixedBytes(), s.budget(),
                Family.CHOLESKY, -1, 0, false);
        Candidate c = cholesky(sub, r, spec, seed, true);
        List<Integer> high = new ArrayList<>();
        double[] hs = new double[s.shifts().length - split];
        for (int i = split; i < order.length; i++) {
            high.add(order[i]);
            hs[i - split] = s.shifts()[order[i]];
        }
        Shape subHigh = new Shape(s.n(), s.nTest(), s.outputs(), hs, s.dtype(), s.tol(), s.maxIterations(), s.fixedBytes(), s.budget(),
                Family.CG, 0, rank, false);
        Candidate nc = nystrom(subHigh, r, spec, seed, rank, false);
        List<KernelRidge.Group> groups = new ArrayList<>();
        int[] its = new int[s.shifts().length];
        for (KernelRidge.Group g : c.settings().groups()) {
            List<Integer> members = new ArrayList<>();
            for (int q : g.shifts()) {
                members.add(order[q]);
                its[order[q]] = c.iterations()[q];
            }
            groups.add(new KernelRidge.Group(KernelRidge.Method.CHOLESKY, order[g.anchor()], members));
        }
        groups.add(new KernelRidge.Group(KernelRidge.Method.NYSTROM, -1, high));
        for (int i = 0; i < hs.length; i++) {
            its[order[split + i]] = nc.iterations()[i];
        }
        double n = s.n();
        long mem = Math.max(c.bytes(), nc.bytes());
        Map<String, Double> t = times(r.gramEntry() * n * n, c.seconds().get("factorizations") + nc.seconds().get("factorizations"),
                c.seconds().get("iterations") + nc.seconds().get("iterations"), finalSeconds(s, r, true, 0));
        String name = String.format(Locale.ROOT, "cholesky in place below reg %.3g (%d factorization%s), cg with nystrom rank %d above",
                hs[0], c.settings().groups().size(), c.settings().groups().size() == 1 ? "" : "s", rank);
        KernelRidge.Settings set = new KernelRidge.Settings(groups, s.tol(), s.maxIterations(), true, rank, seed);
        String why = c.why() != null ? c.why() : nc.why();
        return new Candidate(name, set, true, 0, mem, t, its, why);
    }

    private static Integer[] sortedIndices(double[] shifts) {
        Integer[] order = new Integer[shifts.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(shifts[a], shifts[b]));
        return order;
    }

    private static List<Integer> range(int from, int to) {
        List<Integer> l = new ArrayList<>();
        for (int i = from; i < to; i++) {
            l.add(i);
        }
        return l;
    }
}
