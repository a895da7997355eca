// The per-entry math of Tangent's CUDA kernels: the layers' kernel rules on one pair, the one-step homogeneous map,
// and the interval bounds of certificates. Every function here is __host__ __device__, so the same text compiles into
// the device kernels (tangent_kernels.cu, by nvcc) and into a host library (host_harness.cpp, by g++) that the Java
// tests call through FFM and compare with the layers' scalar rules (dev.tangent.kernel) on machines without a GPU.
//
// The formulas follow the Java sources they mirror, in their operation order where the order matters for rounding:
//   layered map   engine/.../kernel/{Dense,ABRelu,Erf,Poly}.java   (Layer.step(Cov), Activation.step)
//   homogeneous   engine/.../compute/HomogeneousRows64.java         (two Horner chains in x = 2√(1 − |u|) − 1)
//   intervals     engine/.../verify/IntervalKernel.java, Dense.step(Box), ABRelu.bounds, Activation.step(Box)
// A layer program is TK_STRIDE doubles per layer, written by dev.tangent.compute.CudaMaps.program (keep in step).
#pragma once

#ifdef __CUDACC__
#define TK_HD __host__ __device__ __forceinline__
#else
#include <math.h>
#define TK_HD static inline
#endif

// layer op codes of a program (CudaMaps.java holds the same numbers)
#define TK_DENSE 0   // p1 = σ_w², p2 = σ_b²
#define TK_ABRELU 1  // p1 = amp = (a − b)²/(2π), p2 = half = (a² + b²)/2, p3 = 1 for ReLU (a, b) = (0, 1), else 0,
                     // p4 = a, p5 = b
#define TK_ERF 2     // p1 = a, p2 = b, p3 = c
#define TK_POLY 3    // p1 = bias, p2 = degree
#define TK_STRIDE 6

#define TK_PI 3.141592653589793
#define TK_INV_2PI (1.0 / (2.0 * TK_PI))
#define TK_TWO_OVER_PI (2.0 / TK_PI)

// interval modes (CudaIntervals.java)
#define TK_INTERVAL_RECURSION 0
#define TK_INTERVAL_TWO_LAYER_SOUND 1
#define TK_INTERVAL_TWO_LAYER_REFERENCE 2

TK_HD double tk_clamp(double v, double lo, double hi) {
    return fmax(lo, fmin(hi, v));
}

// ---- ABReLU (a, b) -------------------------------------------------------------------------------------------------

// dotKernel from the angle: the ReLU keeps the reference's order (π − θ)/(2π)
TK_HD double tk_kappa(const double* p, double theta) {
    return p[3] != 0 ? (TK_PI - theta) * TK_INV_2PI : p[2] - p[1] * theta;
}

TK_HD double tk_abrelu_nngp(const double* p, double c, double q, double qp) {
    double s = sqrt(fmax(q * qp - c * c, 0.0));
    return s * p[1] + tk_kappa(p, atan2(s, c)) * c;
}

// ---- Erf (a, b, c) -------------------------------------------------------------------------------------------------

TK_HD double tk_erf_nngp(const double* p, double cov, double q, double qp) {
    double a = p[1], b = p[2], c = p[3];
    double b2 = 2 * b * b;
    double r = b2 * cov / sqrt((1 + b2 * q) * (1 + b2 * qp));
    return a * a * TK_TWO_OVER_PI * asin(tk_clamp(r, -1.0, 1.0)) + c * c;
}

TK_HD double tk_erf_dot(const double* p, double cov, double q, double qp) {
    double a = p[1], b = p[2];
    double b2 = 2 * b * b;
    double d2 = (1 + b2 * q) * (1 + b2 * qp) - b2 * cov * b2 * cov;
    return a * a * b * b * 2 * TK_TWO_OVER_PI / sqrt(d2);
}

TK_HD double tk_pow(double x, int p) {
    double r = 1;
    for (int i = 0; i < p; i++) {
        r *= x;
    }
    return r;
}

// ---- the layered map: one pair through every layer -----------------------------------------------------------------

// The kernel value of one pair from c = s·⟨x_i, y_j⟩. qa[k·lqa + i] is the variance of row point i entering layer k,
// qb[k·lqb + j] the same for column point j (both computed on the host by KernelSpec.variances).
TK_HD double tk_layers(const double* prog, int layers, int ntk, double c, const double* qa, long long lqa, long long i,
                       const double* qb, long long lqb, long long j) {
    double th = 0;
    for (int k = 0; k < layers; k++) {
        const double* p = prog + TK_STRIDE * k;
        int op = (int) p[0];
        double qi = qa[k * lqa + i];
        double qj = qb[k * lqb + j];
        if (op == TK_DENSE) {
            c = p[1] * c + p[2];
            th = c + p[1] * th;
        } else if (op == TK_ABRELU) {
            double s = sqrt(fmax(qi * qj - c * c, 0.0));
            double kap = tk_kappa(p, atan2(s, c));
            c = s * p[1] + kap * c;
            th = kap * th;
        } else if (op == TK_ERF) {
            double kap = tk_erf_dot(p, c, qi, qj);
            c = tk_erf_nngp(p, c, qi, qj);
            th = kap * th;
        } else {  // TK_POLY
            int deg = (int) p[2];
            double kap = deg * tk_pow(p[1] + c, deg - 1);
            c = tk_pow(p[1] + c, deg);
            th = kap * th;
        }
    }
    return ntk ? th : c;
}

// ---- the one-step map of homogeneous stacks ------------------------------------------------------------------------

// G(u) from the monomial coefficients of the two sides: coef = {pe[terms], po[terms], ne[terms], no[terms]},
// p(x) = Σ e[k]·x²ᵏ + x·Σ o[k]·x²ᵏ, x = 2√(1 − |u|) − 1 (HomogeneousRows64.value).
TK_HD double tk_hom64(double u, const double* coef, int terms) {
    u = tk_clamp(u, -1.0, 1.0);
    const double* e = u < 0 ? coef + 2 * terms : coef;
    const double* o = e + terms;
    double x = sqrt(1 - fabs(u)) * 2 - 1;
    double s = x * x;
    int m = terms - 1;
    double ev = e[m];
    double ov = o[m];
    for (int k = m - 1; k >= 0; k--) {
        ev = fma(ev, s, e[k]);
        ov = fma(ov, s, o[k]);
    }
    return fma(ov, x, ev);
}

// The same in float arithmetic (HomogeneousRows32.value, generated from the f64 file).
TK_HD float tk_hom32(float u, const float* coef, int terms) {
    u = fmaxf(-1.0f, fminf(1.0f, u));
    const float* e = u < 0 ? coef + 2 * terms : coef;
    const float* o = e + terms;
    float x = sqrtf(1 - fabsf(u)) * 2 - 1;
    float s = x * x;
    int m = terms - 1;
    float ev = e[m];
    float ov = o[m];
    for (int k = m - 1; k >= 0; k--) {
        ev = fmaf(ev, s, e[k]);
        ov = fmaf(ov, s, o[k]);
    }
    return fmaf(ov, x, ev);
}

// K = (G(u)·s‖x_i‖)·‖y_j‖ with u = (c·(1/‖x_i‖))·(1/‖y_j‖) (the vector code's order).
TK_HD double tk_hom_entry64(double c, double ri, double si, double nj, double rj, const double* coef, int terms) {
    return tk_hom64(c * ri * rj, coef, terms) * si * nj;
}

TK_HD float tk_hom_entry32(float c, float ri, float si, float nj, float rj, const float* coef, int terms) {
    return tk_hom32(c * ri * rj, coef, terms) * si * nj;
}

// ---- interval bounds (certificates) --------------------------------------------------------------------------------

// The box of one pair: c, q (the perturbed test point), q′ (the training point), Θ.
struct TkBox {
    double cl, cu, ql, qu, qpl, qpu, tl, tu;
};

TK_HD double tk_abrelu_clamped(const double* p, double c, double q, double qp) {
    double r = sqrt(q * qp);
    return tk_abrelu_nngp(p, fmax(-r, fmin(r, c)), q, qp);
}

// ABRelu.bounds (a, b ≥ 0; the host checks the slopes before it hands a program to the device)
TK_HD void tk_abrelu_bounds(const double* p, double a, double b, const TkBox& x, double* out) {
    double rLo = sqrt(x.ql * x.qpl);
    out[0] = x.cl >= -rLo ? tk_abrelu_clamped(p, x.cl, x.ql, x.qpl) : a * b * fmax(x.cl, -sqrt(x.qu * x.qpu));
    out[1] = tk_abrelu_clamped(p, x.cu, x.qu, x.qpu);
    double r = x.cl >= 0 ? sqrt(x.qu * x.qpu) : sqrt(x.ql * x.qpl);
    double cosLo = r > 0 ? tk_clamp(x.cl / r, -1.0, 1.0) : -1.0;
    r = x.cu > 0 ? sqrt(x.ql * x.qpl) : sqrt(x.qu * x.qpu);
    double cosHi = r > 0 ? tk_clamp(x.cu / r, -1.0, 1.0) : 1.0;
    out[2] = tk_kappa(p, acos(cosLo));
    out[3] = tk_kappa(p, acos(cosHi));
}

// One layer on a box: Dense.step(Box), or Activation.step(Box) with ABReLU's bounds (the only activation whose
// interval rule the device has; the host keeps other stacks).
TK_HD void tk_box_step(const double* p, TkBox& x) {
    int op = (int) p[0];
    if (op == TK_DENSE) {
        double w2 = p[1], b2 = p[2];
        x.cl = w2 * x.cl + b2;
        x.cu = w2 * x.cu + b2;
        x.ql = w2 * x.ql + b2;
        x.qu = w2 * x.qu + b2;
        x.qpl = w2 * x.qpl + b2;
        x.qpu = w2 * x.qpu + b2;
        x.tl = x.cl + w2 * x.tl;
        x.tu = x.cu + w2 * x.tu;
    } else {  // TK_ABRELU
        double f[4];
        tk_abrelu_bounds(p, p[4], p[5], x, f);
        double a1 = f[2] * x.tl;
        double a2 = f[2] * x.tu;
        double a3 = f[3] * x.tl;
        double a4 = f[3] * x.tu;
        x.tl = fmin(fmin(a1, a2), fmin(a3, a4));
        x.tu = fmax(fmax(a1, a2), fmax(a3, a4));
        x.cl = f[0];
        x.cu = f[1];
        double half = p[2];
        x.ql = half * x.ql;
        x.qu = half * x.qu;
        x.qpl = half * x.qpl;
        x.qpu = half * x.qpu;
    }
}

#define TK_SLACK 1e-12
#define TK_REF_U_MIN (-0.794)
#define TK_REF_H_MIN (-0.429738)
#define TK_U_STAR_LO (-0.79410)
#define TK_U_STAR_HI (-0.79409)
#define TK_SOUND_H_MIN (-0.42973783)

TK_HD double tk_h(double u) {
    return 2 * u * (TK_PI - acos(u)) + sqrt(1 - u * u);
}

// Bounds of K(x′, x_i) over the ℓ∞ ball of radius delta around x (‖x‖² = xx), from p = ⟨x, x_i⟩ and v = ‖x_i‖:
// IntervalKernel.recursion (mode 0) or IntervalKernel.twoLayer (modes 1, 2; w4 = σ_w⁴). out = {lo, hi}.
TK_HD void tk_interval(int mode, const double* prog, int layers, int ntk, double scale, int steps,
                       double w4, double xx, double delta, int d, double p, double v, double* out) {
    double eps = sqrt((double) d) * delta;
    double xn = sqrt(xx);
    double nl = fmax(xn - eps, 0.0);
    double nu = xn + eps;
    if (mode == TK_INTERVAL_RECURSION) {
        TkBox b;
        b.cl = fmax(p - eps * v, -nu * v) * scale;
        b.cu = fmin(p + eps * v, nu * v) * scale;
        b.ql = nl * nl * scale;
        b.qu = nu * nu * scale;
        b.qpl = v * v * scale;
        b.qpu = b.qpl;
        b.tl = 0;
        b.tu = 0;
        for (int k = 0; k < layers; k++) {
            tk_box_step(prog + TK_STRIDE * k, b);
        }
        double lo = ntk ? b.tl : b.cl;
        double hi = ntk ? b.tu : b.cu;
        double m = TK_SLACK * steps * (sqrt(b.qu * b.qpu) + fabs(lo) + fabs(hi));
        out[0] = lo - m;
        out[1] = hi + m;
        return;
    }
    bool ref = mode == TK_INTERVAL_TWO_LAYER_REFERENCE;
    double c = 1 / (2 * TK_PI * d);
    double dl = p - eps * v;
    double du = p + eps * v;
    double ul, uu;
    if (ref) {
        ul = (dl >= 0 ? dl / nu : dl / nl) / v;
        uu = (du >= 0 ? du / nl : du / nu) / v;
        if (uu >= 1) {
            uu = 1;
        }
    } else {
        if (v == 0 || nu == 0) {
            out[0] = 0;
            out[1] = 0;
            return;
        }
        ul = dl >= 0 ? dl / (nu * v) : (nl > 0 ? dl / (nl * v) : -1);
        uu = du > 0 ? (nl > 0 ? du / (nl * v) : 1) : du / (nu * v);
        ul = tk_clamp(ul, -1.0, 1.0);
        uu = tk_clamp(uu, -1.0, 1.0);
    }
    double ha = tk_h(ul);
    double hb = tk_h(uu);
    bool nan = isnan(ha) || isnan(hb);
    double hLo = nan ? NAN : fmin(ha, hb);
    double hHi = nan ? NAN : fmax(ha, hb);
    if (ref) {
        if (ul <= TK_REF_U_MIN && uu >= TK_REF_U_MIN) {
            hLo = TK_REF_H_MIN;
        }
    } else if (ul <= TK_U_STAR_HI && uu >= TK_U_STAR_LO) {
        hLo = TK_SOUND_H_MIN;
    }
    double kl = hLo >= 0 ? nl * hLo : hLo < 0 ? nu * hLo : 0;
    double ku = hHi >= 0 ? nu * hHi : hHi < 0 ? nl * hHi : 0;
    double sc = v * c;
    kl *= sc;
    ku *= sc;
    if (!ref) {
        double m = TK_SLACK * nu * v * 2 * TK_PI * c;
        kl -= m;
        ku += m;
    }
    out[0] = kl * w4;
    out[1] = ku * w4;
}
