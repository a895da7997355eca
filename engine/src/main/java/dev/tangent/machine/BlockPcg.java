package dev.tangent.machine;

import dev.tangent.compute.KernelMatrix;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Preconditioned conjugate gradients for many shifted systems (K + s_j·I)·x_j = y_j at once: every column runs its own
 * CG recurrence (its own step lengths), but all active columns share one product K·P per iteration (a GEMM over the
 * block instead of one pass over K per column) and one preconditioner call. A column stops when its recurrence residual
 * satisfies ‖r_j‖ ≤ tol·‖y_j‖, and leaves the block. β is the flexible (Polak–Ribière) form z⁺·(r⁺ − r)/(z·r), so an
 * inexact preconditioner (an f32 factor, a Nyström approximation) cannot break the recurrence's conjugacy as badly as
 * Fletcher–Reeves would. Vectors and reductions are f64.
 */
public final class BlockPcg {
    private BlockPcg() {
    }

    /** One system: its shift and right-hand side (n entries). */
    public record Column(double shift, double[] y) {
    }

    /**
     * @param x          the solution
     * @param iterations products taken for this column
     * @param residual   ‖r‖/‖y‖ of the recurrence when it stopped
     * @param converged  whether residual ≤ tol
     * @param stop       why it stopped: "converged", "max-iterations", or "breakdown" (pᵀ(K + sI)p ≤ 0: not positive
     *                   definite in working precision)
     */
    public record Outcome(double[] x, int iterations, double residual, boolean converged, String stop) {
    }

    /** Told after every iteration (active columns left, the largest relative residual among them) and per column. */
    public interface Listener {
        default void iteration(int iteration, int active, int columns, double worst) {
        }

        /** Column {@code column} has stopped with {@code outcome} (its vectors are final). */
        default void done(int column, Outcome outcome) {
        }

        Listener NONE = new Listener() { };
    }

    public static List<Outcome> solve(KernelMatrix k, List<Column> columns, Preconditioner pc, double tol, int maxIterations,
                                      Listener listener) {
        int n = k.rows();
        int m = columns.size();
        if (k.cols() != n) {
            throw new IllegalArgumentException("CG needs a square kernel, found " + k.rows() + " x " + k.cols());
        }
        double[][] x = new double[m][n];
        double[][] r = new double[m][];
        double[][] rOld = new double[m][n];
        double[][] z = new double[m][n];
        double[][] p = new double[m][n];
        double[] rz = new double[m];
        double[] yNorm = new double[m];
        double[] res = new double[m];
        int[] its = new int[m];
        String[] stop = new String[m];
        List<Integer> active = new ArrayList<>();
        List<Integer> zero = new ArrayList<>();
        for (int j = 0; j < m; j++) {
            Column c = columns.get(j);
            if (c.y().length != n) {
                throw new IllegalArgumentException("right-hand side " + j + " has " + c.y().length + " entries, K has " + n + " rows");
            }
            r[j] = c.y().clone();
            yNorm[j] = norm(c.y());
            res[j] = yNorm[j] == 0 ? 0 : 1;
            if (yNorm[j] == 0) {
                stop[j] = "converged";
                zero.add(j);
            } else {
                active.add(j);
            }
        }
        for (int j : zero) {
            listener.done(j, new Outcome(x[j], 0, 0, true, stop[j]));
        }
        try (Matrix rb = Matrix.allocate(n, Math.max(1, active.size()), DType.F64);
             Matrix zb = Matrix.allocate(n, Math.max(1, active.size()), DType.F64);
             Matrix qb = Matrix.allocate(n, Math.max(1, active.size()), DType.F64)) {
            int cap = Math.max(1, active.size());
            double[][] qSlots = new double[cap][];
            // z = M⁻¹ r for the starting residuals, p = z
            precondition(pc, columns, active, r, z, rb, zb, cap);
            for (int j : active) {
                System.arraycopy(z[j], 0, p[j], 0, n);
                rz[j] = dot(r[j], z[j]);
            }
            int it = 0;
            while (!active.isEmpty() && it < maxIterations) {
                it++;
                int a = active.size();
                Matrix pv = rb.view(0, 0, n, a);
                Matrix qv = qb.view(0, 0, n, a);
                pack(p, active, pv, cap);
                k.multiply(pv, qv);
                double[][] q = new double[a][];
                for (int t = 0; t < a; t++) {
                    if (qSlots[t] == null) {
                        qSlots[t] = new double[n];
                    }
                    q[t] = column(qv, t, cap, qSlots[t]);
                }
                List<Integer> next = new ArrayList<>();
                double worst = 0;
                for (int t = 0; t < a; t++) {
                    int j = active.get(t);
                    double s = columns.get(j).shift();
                    double[] qj = q[t];
                    double[] pj = p[j];
                    for (int i = 0; i < n; i++) {
                        qj[i] += s * pj[i];
                    }
                    its[j] = it;
                    double pq = dot(pj, qj);
                    if (!(pq > 0) || !Double.isFinite(pq)) {
                        stop[j] = "breakdown";
                        listener.done(j, new Outcome(x[j], its[j], res[j], false, stop[j]));
                        continue;
                    }
                    double alpha = rz[j] / pq;
                    double[] xj = x[j];
                    double[] rj = r[j];
                    System.arraycopy(rj, 0, rOld[j], 0, n);
                    for (int i = 0; i < n; i++) {
                        xj[i] += alpha * pj[i];
                        rj[i] -= alpha * qj[i];
                    }
                    res[j] = norm(rj) / yNorm[j];
                    if (res[j] <= tol) {
                        stop[j] = "converged";
                    } else if (it >= maxIterations) {
                        stop[j] = "max-iterations";
                    } else {
                        next.add(j);
                        worst = Math.max(worst, res[j]);
                        continue;
                    }
                    listener.done(j, new Outcome(x[j], its[j], res[j], "converged".equals(stop[j]), stop[j]));
                }
                active = next;
                listener.iteration(it, active.size(), m, worst);
                if (active.isEmpty()) {
                    break;
                }
                precondition(pc, columns, active, r, z, rb, zb, cap);
                for (int j : active) {
                    double[] zj = z[j];
                    double zr = dot(zj, r[j]);
                    double beta = (zr - dot(zj, rOld[j])) / rz[j];
                    rz[j] = zr;
                    if (!(beta > 0) || !Double.isFinite(beta)) {
                        beta = 0; // a restart along the preconditioned residual
                    }
                    double[] pj = p[j];
                    for (int i = 0; i < n; i++) {
                        pj[i] = zj[i] + beta * pj[i];
                    }
                }
            }
            for (int j : active) {
                stop[j] = "max-iterations";
                listener.done(j, new Outcome(x[j], its[j], res[j], false, stop[j]));
            }
        }
        List<Outcome> out = new ArrayList<>(m);
        for (int j = 0; j < m; j++) {
            out.add(new Outcome(x[j], its[j], res[j], "converged".equals(stop[j]), stop[j]));
        }
        return out;
    }

    private static void precondition(Preconditioner pc, List<Column> columns, List<Integer> active, double[][] r, double[][] z,
                                     Matrix rb, Matrix zb, int cap) {
        int a = active.size();
        int n = rb.rows();
        Matrix rv = rb.view(0, 0, n, a);
        Matrix zv = zb.view(0, 0, n, a);
        pack(r, active, rv, cap);
        double[] shifts = new double[a];
        for (int t = 0; t < a; t++) {
            shifts[t] = columns.get(active.get(t)).shift();
        }
        pc.apply(rv, shifts, zv);
        for (int t = 0; t < a; t++) {
            double[] zj = z[active.get(t)];
            MemorySegment seg = zv.segment();
            long base = zv.byteIndex(0, t);
            long stride = (long) cap * Double.BYTES;
            for (int i = 0; i < n; i++) {
                zj[i] = seg.get(ValueLayout.JAVA_DOUBLE_UNALIGNED, base + i * stride);
            }
        }
    }

    /** Columns {@code active} of {@code v} into the n × a block {@code dst} (leading dimension cap). */
    private static void pack(double[][] v, List<Integer> active, Matrix dst, int cap) {
        MemorySegment seg = dst.segment();
        long stride = (long) cap * Double.BYTES;
        for (int t = 0; t < active.size(); t++) {
            double[] vj = v[active.get(t)];
            long base = dst.byteIndex(0, t);
            for (int i = 0; i < vj.length; i++) {
                seg.set(ValueLayout.JAVA_DOUBLE_UNALIGNED, base + i * stride, vj[i]);
            }
        }
    }

    private static double[] column(Matrix m, int t, int cap, double[] out) {
        int n = out.length;
        MemorySegment seg = m.segment();
        long base = m.byteIndex(0, t);
        long stride = (long) cap * Double.BYTES;
        for (int i = 0; i < n; i++) {
            out[i] = seg.get(ValueLayout.JAVA_DOUBLE_UNALIGNED, base + i * stride);
        }
        return out;
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    static double norm(double[] a) {
        return Math.sqrt(dot(a, a));
    }
}
