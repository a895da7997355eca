package dev.tangent.data.transform;

/**
 * The orthonormal 2-D DCT-II of an h×w block (row-major {@code double[]}), along axis 0 then axis 1, as
 * {@code dct(dct(a, axis=0, norm='ortho'), axis=1, norm='ortho')} of scipy.fftpack, and its inverse, the orthonormal
 * DCT-III along axis 0 then axis 1 ({@code idct(idct(·, axis=0), axis=1)}).
 *
 * <p>1-D: X_k = s_k Σ_j x_j cos(πk(2j+1)/(2N)) with s_0 = √(1/N), s_k = √(2/N); the matrix C with these rows is
 * orthogonal, so the 2-D transform is C_h·A·C_wᵀ and the inverse C_hᵀ·A·C_w. Direct products with precomputed
 * cosine tables, O(h·w·(h + w)) per block: fine for 28×28 and 32×32 images. Instances are immutable and
 * thread-safe.
 */
public final class Dct2 {
    private final int h;
    private final int w;
    private final double[] ch;
    private final double[] cw;

    public Dct2(int h, int w) {
        if (h < 1 || w < 1) {
            throw new IllegalArgumentException("DCT block must be at least 1 x 1, found " + h + " x " + w);
        }
        this.h = h;
        this.w = w;
        this.ch = table(h);
        this.cw = h == w ? ch : table(w);
    }

    /** The orthonormal DCT-II matrix C (n×n, row-major): C[k][j] = s_k cos(πk(2j+1)/(2n)). */
    static double[] table(int n) {
        double[] c = new double[n * n];
        double s0 = Math.sqrt(1.0 / n);
        double sk = Math.sqrt(2.0 / n);
        for (int k = 0; k < n; k++) {
            for (int j = 0; j < n; j++) {
                // Reduce k(2j+1) modulo 4n first so the cosine argument stays in [0, 2π).
                long m = ((long) k * (2 * j + 1)) % (4L * n);
                c[k * n + j] = (k == 0 ? s0 : sk) * Math.cos(Math.PI * m / (2.0 * n));
            }
        }
        return c;
    }

    public int rows() {
        return h;
    }

    public int cols() {
        return w;
    }

    /** out = DCT-II(in) on both axes; {@code in} and {@code out} may be the same array. */
    public void forward(double[] in, double[] out) {
        check(in, out);
        double[] t = axis0(in, false);
        // Axis 1: out = t · C_wᵀ (dot products of rows of t with rows of C_w).
        for (int r = 0; r < h; r++) {
            for (int k = 0; k < w; k++) {
                double s = 0;
                for (int col = 0; col < w; col++) {
                    s += t[r * w + col] * cw[k * w + col];
                }
                out[r * w + k] = s;
            }
        }
    }

    /** out = DCT-III(in) on axis 0 then axis 1, the inverse of {@link #forward}; the arrays may be the same. */
    public void inverse(double[] in, double[] out) {
        check(in, out);
        double[] t = axis0(in, true);
        // Axis 1: out = t · C_w.
        java.util.Arrays.fill(out, 0.0);
        for (int r = 0; r < h; r++) {
            for (int k = 0; k < w; k++) {
                double v = t[r * w + k];
                int oi = r * w;
                int ci = k * w;
                for (int col = 0; col < w; col++) {
                    out[oi + col] += v * cw[ci + col];
                }
            }
        }
    }

    /** Along axis 0: C_h·in, or C_hᵀ·in when {@code transpose} (row k of C_h scaled into row k or out of it). */
    private double[] axis0(double[] in, boolean transpose) {
        double[] t = new double[h * w];
        for (int k = 0; k < h; k++) {
            for (int r = 0; r < h; r++) {
                double c = ch[k * h + r];
                int ti = (transpose ? r : k) * w;
                int ii = (transpose ? k : r) * w;
                for (int col = 0; col < w; col++) {
                    t[ti + col] += c * in[ii + col];
                }
            }
        }
        return t;
    }

    private void check(double[] in, double[] out) {
        if (in.length != h * w || out.length != h * w) {
            throw new IllegalArgumentException("DCT of a " + h + " x " + w + " block needs " + h * w + " values, found "
                    + in.length + " in and " + out.length + " out");
        }
    }
}
