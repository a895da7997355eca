package dev.tangent.compute;

import dev.tangent.TangentException;
import dev.tangent.memory.Matrix;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.stream.IntStream;

/**
 * Eigen-decomposition of a real symmetric matrix in pure Java: Householder reduction to tridiagonal form (the
 * Householder vectors accumulated into Q backwards, as LAPACK's {@code dorgtr}), then the implicit QL iteration with
 * Wilkinson-style shifts of EISPACK's {@code tql2} (as in JAMA). Eigenvalues come out ascending, eigenvectors
 * orthonormal, in the layout of {@code numpy.linalg.eigh}: column j of {@link Decomposition#vectors()} belongs to
 * eigenvalue j.
 *
 * <p>Performance: the QL plane rotations do not touch the eigenvectors while the eigenvalues are iterated; they are
 * recorded and applied in batches to the transposed eigenvector matrix, column chunk by column chunk (a chunk stays
 * in cache while a whole batch of sweeps runs over it, and chunks run in parallel in the common fork-join pool). The
 * Householder steps work on contiguous rows, their matrix-vector products and rank-2 updates split over rows. Only
 * the lower triangle of the input is read (it is mirrored first).
 */
public final class SymmetricEigen {
    private static final VectorSpecies<Double> SPECIES = DoubleVector.SPECIES_PREFERRED;
    private static final int MAX_SWEEPS_PER_EIGENVALUE = 60;
    private static final int BLOCK = 64;
    private static final int PARALLEL_FROM = 192;

    private SymmetricEigen() {
    }

    /**
     * Eigenvalues (ascending) and eigenvectors of a symmetric matrix.
     *
     * @param values  the n eigenvalues, ascending
     * @param vectors n×n row-major; column j is the unit eigenvector of {@code values[j]}
     */
    public record Decomposition(int n, double[] values, double[] vectors) {
        public Decomposition {
            if (values.length != n || vectors.length != (long) n * n) {
                throw new IllegalArgumentException("decomposition of order " + n + " with " + values.length
                        + " values and " + vectors.length + " vector entries");
            }
        }

        /** Component {@code i} of eigenvector {@code j}. */
        public double vector(int i, int j) {
            return vectors[i * n + j];
        }
    }

    /** Decomposes the symmetric n×n matrix in {@code a} (row-major, lower triangle read); {@code a} is not changed. */
    public static Decomposition decompose(double[] a, int n) {
        if (n < 0 || a.length != (long) n * n) {
            throw new IllegalArgumentException(a.length + " entries for a " + n + " x " + n + " matrix");
        }
        double[] w = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                w[i * n + j] = a[i * n + j];
                w[j * n + i] = a[i * n + j];
            }
        }
        return decomposeInPlace(w, n);
    }

    /** Decomposes a square symmetric {@link Matrix} (lower triangle read, any dtype). */
    public static Decomposition decompose(Matrix a) {
        if (a.rows() != a.cols()) {
            throw new IllegalArgumentException("eigen-decomposition of a non-square " + a);
        }
        int n = a.rows();
        double[] w = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double v = a.get(i, j);
                w[i * n + j] = v;
                w[j * n + i] = v;
            }
        }
        return decomposeInPlace(w, n);
    }

    private static Decomposition decomposeInPlace(double[] w, int n) {
        for (double v : w) {
            if (!Double.isFinite(v)) {
                throw new TangentException("eigen-decomposition: the " + n + " x " + n + " matrix has a non-finite entry " + v);
            }
        }
        double[] d = new double[n];
        double[] e = new double[n];
        double[] tau = new double[n];
        tridiagonalize(w, n, d, e, tau);
        double[] vt = formQTransposed(w, n, tau);
        ql(d, e, vt, n);
        // Sort ascending (stable selection on the values, rows of vt follow), then transpose to numpy's layout.
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (x, y) -> Double.compare(d[x], d[y]));
        double[] values = new double[n];
        double[] vectors = new double[n * n];
        for (int j = 0; j < n; j++) {
            int src = order[j];
            values[j] = d[src];
            for (int i = 0; i < n; i++) {
                vectors[i * n + j] = vt[src * n + i];
            }
        }
        return new Decomposition(n, values, vectors);
    }

    /**
     * Householder reduction of the full symmetric {@code w}: on return d is the diagonal, e[k] = T[k][k+1] (e[n−1] = 0),
     * and row k of {@code w} holds the Householder vector v_k (v_k[k+1] = 1 implied, the rest in columns k+2..n−1) of
     * H_k = I − tau[k]·v vᵀ acting on indices k+1..n−1.
     */
    private static void tridiagonalize(double[] w, int n, double[] d, double[] e, double[] tau) {
        double[] p = new double[n];
        for (int k = 0; k < n - 2; k++) {
            int row = k * n;
            d[k] = w[row + k];
            double alpha = w[row + k + 1];
            double sigma = 0;
            for (int j = k + 2; j < n; j++) {
                sigma += w[row + j] * w[row + j];
            }
            if (sigma == 0) {
                e[k] = alpha;
                tau[k] = 0;
                continue;
            }
            double norm = Math.sqrt(alpha * alpha + sigma);
            double beta = alpha <= 0 ? norm : -norm;
            double t = (beta - alpha) / beta;
            double scale = 1.0 / (alpha - beta);
            for (int j = k + 2; j < n; j++) {
                w[row + j] *= scale;
            }
            w[row + k + 1] = 1.0;
            e[k] = beta;
            tau[k] = t;
            // p = t·A22·v, then w = p − (t/2)(pᵀv)·v, then A22 −= v wᵀ + w vᵀ (A22 = rows/cols k+1..n−1).
            int lo = k + 1;
            int m = n - lo;
            parallelFor(lo, n, m, i -> p[i] = t * dot(w, i * n + lo, w, row + lo, m));
            double pv = dot(p, lo, w, row + lo, m);
            double kk = 0.5 * t * pv;
            for (int i = lo; i < n; i++) {
                p[i] -= kk * w[row + i];
            }
            parallelFor(lo, n, m, i -> {
                double vi = w[row + i];
                double pi = p[i];
                int ri = i * n;
                for (int j = lo; j < n; j++) {
                    w[ri + j] -= vi * p[j] + pi * w[row + j];
                }
            });
            w[row + k + 1] = beta;
        }
        if (n >= 2) {
            d[n - 2] = w[(n - 2) * n + n - 2];
            e[n - 2] = w[(n - 2) * n + n - 1];
        }
        if (n >= 1) {
            d[n - 1] = w[(n - 1) * n + n - 1];
            e[n - 1] = 0;
        }
    }

    /** Qᵀ for Q = H_0·H_1⋯H_{n−3}, accumulated backwards (each H_k only touches the trailing block). */
    private static double[] formQTransposed(double[] w, int n, double[] tau) {
        double[] q = new double[n * n];
        for (int i = 0; i < n; i++) {
            q[i * n + i] = 1.0;
        }
        double[] u = new double[n];
        for (int k = n - 3; k >= 0; k--) {
            double t = tau[k];
            if (t == 0) {
                continue;
            }
            int row = k * n;
            int lo = k + 1;
            // v = (1, w[row+k+2..]) on indices lo..n−1; u = vᵀ Q_sub (a combination of rows), Q_sub −= t v uᵀ.
            java.util.Arrays.fill(u, lo, n, 0.0);
            for (int i = lo; i < n; i++) {
                double vi = i == lo ? 1.0 : w[row + i];
                if (vi != 0) {
                    axpy(vi, q, i * n + lo, u, lo, n - lo);
                }
            }
            parallelFor(lo, n, n - lo, i -> {
                double vi = i == lo ? 1.0 : w[row + i];
                if (vi != 0) {
                    axpy(-t * vi, u, lo, q, i * n + lo, n - lo);
                }
            });
        }
        // Transpose in place: rows of the result are the columns of Q.
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                double x = q[i * n + j];
                q[i * n + j] = q[j * n + i];
                q[j * n + i] = x;
            }
        }
        return q;
    }

    /**
     * Implicit QL on the tridiagonal (d, e) as EISPACK's tql2; the rotation of columns i, i+1 of V is applied to rows
     * i, i+1 of {@code vt} = Vᵀ, through {@link Rotations}.
     */
    private static void ql(double[] d, double[] e, double[] vt, int n) {
        Rotations rot = new Rotations(vt, n);
        double f = 0;
        double tst1 = 0;
        double eps = Math.ulp(1.0);
        for (int l = 0; l < n; l++) {
            tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
            int m = l;
            while (m < n - 1 && Math.abs(e[m]) > eps * tst1) {
                m++;
            }
            if (m > l) {
                int iter = 0;
                do {
                    if (++iter > MAX_SWEEPS_PER_EIGENVALUE) {
                        throw new TangentException("eigen-decomposition: no convergence for eigenvalue " + l + " of "
                                + n + " after " + MAX_SWEEPS_PER_EIGENVALUE + " QL sweeps");
                    }
                    double g = d[l];
                    double p = (d[l + 1] - g) / (2.0 * e[l]);
                    double r = Math.hypot(p, 1.0);
                    if (p < 0) {
                        r = -r;
                    }
                    d[l] = e[l] / (p + r);
                    d[l + 1] = e[l] * (p + r);
                    double dl1 = d[l + 1];
                    double h = g - d[l];
                    for (int i = l + 2; i < n; i++) {
                        d[i] -= h;
                    }
                    f += h;
                    p = d[m];
                    double c = 1;
                    double c2 = c;
                    double c3 = c;
                    double el1 = e[l + 1];
                    double s = 0;
                    double s2 = 0;
                    for (int i = m - 1; i >= l; i--) {
                        c3 = c2;
                        c2 = c;
                        s2 = s;
                        g = c * e[i];
                        h = c * p;
                        r = Math.hypot(p, e[i]);
                        e[i + 1] = s * r;
                        s = e[i] / r;
                        c = p / r;
                        p = c * d[i] - s * g;
                        d[i + 1] = h + s * (c * g + s * d[i]);
                        rot.add(i, c, s);
                    }
                    p = -s * s2 * c3 * el1 * e[l] / dl1;
                    e[l] = s * p;
                    d[l] = c * p;
                } while (Math.abs(e[l]) > eps * tst1);
            }
            d[l] = d[l] + f;
            e[l] = 0;
        }
        rot.flush();
    }

    /**
     * A batch of QL sweeps, each a run of plane rotations of rows (i, i+1) of Vᵀ for i descending from m − 1 to l,
     * applied in order, column chunk by column chunk. Within a sweep row i+1 leaves rotation i finished and row i goes
     * on to rotation i − 1, so that row stays in a register ({@code carry}) and each rotation costs one load and one
     * store per vector of columns.
     */
    private static final class Rotations {
        private final double[] vt;
        private final int n;
        private final double[] cs;
        private final double[] ss;
        private int[] sweepTop = new int[64];
        private int[] sweepStart = new int[65];
        private int sweeps;
        private int count;
        private int expect = -1;

        Rotations(double[] vt, int n) {
            this.vt = vt;
            this.n = n;
            int capacity = Math.max(1024, 16 * n);
            cs = new double[capacity];
            ss = new double[capacity];
        }

        /** Adds rotation (i, i+1); a sweep continues while i goes down by one from the previous rotation. */
        void add(int i, double c, double s) {
            if (count == cs.length) {
                flush();
            }
            if (i != expect) {
                if (sweeps + 1 >= sweepTop.length) {
                    sweepTop = java.util.Arrays.copyOf(sweepTop, sweepTop.length * 2);
                    sweepStart = java.util.Arrays.copyOf(sweepStart, sweepStart.length * 2 + 1);
                }
                sweepTop[sweeps] = i;
                sweepStart[sweeps] = count;
                sweeps++;
            }
            cs[count] = c;
            ss[count] = s;
            count++;
            expect = i - 1;
        }

        void flush() {
            if (count == 0) {
                return;
            }
            sweepStart[sweeps] = count;
            int width = SPECIES.length();
            int chunks = (n + width - 1) / width;
            int perTask = Math.max(1, BLOCK / width);
            int tasks = (chunks + perTask - 1) / perTask;
            parallelFor(0, tasks, n, t -> {
                for (int ch = t * perTask; ch < Math.min(chunks, (t + 1) * perTask); ch++) {
                    int col = ch * width;
                    if (col + width <= n) {
                        applyVector(col);
                    } else {
                        for (int k = col; k < n; k++) {
                            applyScalar(k);
                        }
                    }
                }
            });
            count = 0;
            sweeps = 0;
            expect = -1;
        }

        private void applyVector(int col) {
            for (int w = 0; w < sweeps; w++) {
                int r0 = sweepStart[w];
                int r1 = sweepStart[w + 1];
                int i = sweepTop[w];
                DoubleVector carry = DoubleVector.fromArray(SPECIES, vt, (i + 1) * n + col);
                for (int r = r0; r < r1; r++, i--) {
                    DoubleVector a = DoubleVector.fromArray(SPECIES, vt, i * n + col);
                    double c = cs[r];
                    double s = ss[r];
                    a.mul(s).add(carry.mul(c)).intoArray(vt, (i + 1) * n + col);
                    carry = a.mul(c).sub(carry.mul(s));
                }
                carry.intoArray(vt, (i + 1) * n + col);
            }
        }

        private void applyScalar(int col) {
            for (int w = 0; w < sweeps; w++) {
                int r0 = sweepStart[w];
                int r1 = sweepStart[w + 1];
                int i = sweepTop[w];
                double carry = vt[(i + 1) * n + col];
                for (int r = r0; r < r1; r++, i--) {
                    double a = vt[i * n + col];
                    double c = cs[r];
                    double s = ss[r];
                    vt[(i + 1) * n + col] = s * a + c * carry;
                    carry = c * a - s * carry;
                }
                vt[(i + 1) * n + col] = carry;
            }
        }
    }

    private static double dot(double[] x, int xo, double[] y, int yo, int len) {
        int bound = SPECIES.loopBound(len);
        DoubleVector acc = DoubleVector.zero(SPECIES);
        int k = 0;
        for (; k < bound; k += SPECIES.length()) {
            acc = DoubleVector.fromArray(SPECIES, x, xo + k).fma(DoubleVector.fromArray(SPECIES, y, yo + k), acc);
        }
        double sum = VectorKernels64.sum(acc); // fixed lane order: the same bits before and after C2 compiles this
        for (; k < len; k++) {
            sum += x[xo + k] * y[yo + k];
        }
        return sum;
    }

    /** y[yo..yo+len) += alpha·x[xo..xo+len). */
    private static void axpy(double alpha, double[] x, int xo, double[] y, int yo, int len) {
        int bound = SPECIES.loopBound(len);
        DoubleVector va = DoubleVector.broadcast(SPECIES, alpha);
        int k = 0;
        for (; k < bound; k += SPECIES.length()) {
            DoubleVector.fromArray(SPECIES, x, xo + k).fma(va, DoubleVector.fromArray(SPECIES, y, yo + k))
                    .intoArray(y, yo + k);
        }
        for (; k < len; k++) {
            y[yo + k] += alpha * x[xo + k];
        }
    }

    /** Runs body(i) for i in [from, to), in parallel when the work per index (about {@code size}) is large. */
    private static void parallelFor(int from, int to, int size, java.util.function.IntConsumer body) {
        if (size >= PARALLEL_FROM && to - from > 1) {
            IntStream.range(from, to).parallel().forEach(body);
        } else {
            for (int i = from; i < to; i++) {
                body.accept(i);
            }
        }
    }
}
