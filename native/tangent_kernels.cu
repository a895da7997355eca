// Tangent's CUDA kernels, launched by dev.tangent.compute.CudaKernels through the driver API (cuModuleLoadData on the
// fatbin that native/build.sh makes of this file, cuLaunchKernel). Every entry point is extern "C" so that its name
// is the symbol cuModuleGetFunction looks up; the argument lists are mirrored, in order and type, by CudaKernels.java.
//
// Layout: matrices are row-major with a leading dimension in elements (the host's Matrix layout; cuBLAS sees them as
// their column-major transposes). Indices are 64-bit where a product of two dimensions can pass 2^31.
#include "tangent_kernel_math.cuh"

#define TK_TILE 32
#define TK_TILE_ROWS 8

// ---- the fused kernel maps on a block of inner products ------------------------------------------------------------
//
// C (rows × cols, ldc) holds ⟨x_{i0+a}, y_{j0+b}⟩ at (a, b) and receives K(x_{i0+a}, y_{j0+b}). Launch: block
// (32, 8), grid (⌈cols/32⌉, ⌈rows/32⌉). With sym = 0 every entry is mapped in place. With sym = 1 (Y = X) only the
// pairs with j ≤ i are read (what SYRK and the GEMMs left of the diagonal block wrote), the diagonal comes from diag[i]
// (the host's exact value for c = q), and each value is also written to its mirror place (j, i) through a shared
// tile, coalesced: into C itself when j lies in the panel's own rows (j ≥ i0: the diagonal block, or the whole matrix
// when one panel holds all of it), otherwise into T (the panel's transposed left part: T row j − j0, column i − i0,
// ldt). i0 and j0 must be multiples of 32 so that the tiles of a block and of its mirror coincide.
template <typename T, typename F>
__device__ void tk_map_tile(T* C, long long ldc, T* Tt, long long ldt, int rows, int cols, long long i0, long long j0,
                            int sym, const T* diag, const F& f) {
    __shared__ T tile[TK_TILE][TK_TILE + 1];
    int bx = blockIdx.x * TK_TILE;
    int by = blockIdx.y * TK_TILE;
    if (sym && j0 + bx > i0 + by + TK_TILE - 1) {
        return;  // the whole tile lies above the diagonal: nothing to read, its values arrive as mirrors
    }
    for (int r = threadIdx.y; r < TK_TILE; r += TK_TILE_ROWS) {
        int a = by + r;
        int b = bx + threadIdx.x;
        if (a < rows && b < cols) {
            long long i = i0 + a;
            long long j = j0 + b;
            long long at = a * ldc + b;
            if (!sym || j < i) {
                T v = f(C[at], i, j);
                C[at] = v;
                tile[r][threadIdx.x] = v;
            } else if (j == i) {
                T v = diag[i];
                C[at] = v;
                tile[r][threadIdx.x] = v;
            }
        }
    }
    if (!sym) {
        return;
    }
    __syncthreads();
    for (int r = threadIdx.y; r < TK_TILE; r += TK_TILE_ROWS) {
        int a = by + threadIdx.x;
        int b = bx + r;
        if (a < rows && b < cols) {
            long long i = i0 + a;
            long long j = j0 + b;
            if (j < i) {
                T v = tile[threadIdx.x][r];
                if (j >= i0) {
                    C[(j - i0) * ldc + (i - j0)] = v;
                } else {
                    Tt[(j - j0) * ldt + (i - i0)] = v;
                }
            }
        }
    }
}

struct TkHom64 {
    const double *ra, *sa, *nb, *rb, *coef;
    int terms;
    __device__ double operator()(double c, long long i, long long j) const {
        return tk_hom_entry64(c, ra[i], sa[i], nb[j], rb[j], coef, terms);
    }
};

struct TkHom32 {
    const float *ra, *sa, *nb, *rb, *coef;
    int terms;
    __device__ float operator()(float c, long long i, long long j) const {
        return tk_hom_entry32(c, ra[i], sa[i], nb[j], rb[j], coef, terms);
    }
};

struct TkLayers {
    const double* prog;
    int layers, ntk;
    double scale;
    const double *qa, *qb;
    long long lqa, lqb;
    __device__ double operator()(double c, long long i, long long j) const {
        return tk_layers(prog, layers, ntk, scale * c, qa, lqa, i, qb, lqb, j);
    }
};

struct TkLayers32 {
    TkLayers f;
    __device__ float operator()(float c, long long i, long long j) const {
        return (float) f((double) c, i, j);
    }
};

// The one-step map of homogeneous stacks: ra = 1/‖x_i‖ (0 for a zero point), sa = s·‖x_i‖, nb = ‖y_j‖, rb = 1/‖y_j‖,
// coef = the monomial coefficients {pe, po, ne, no}, `terms` each (HomogeneousMap).
extern "C" __global__ void tangent_map_hom_f64(double* C, long long ldc, double* T, long long ldt, int rows, int cols,
                                               long long i0, long long j0, int sym, const double* diag,
                                               const double* ra, const double* sa, const double* nb, const double* rb,
                                               const double* coef, int terms) {
    TkHom64 f = {ra, sa, nb, rb, coef, terms};
    tk_map_tile(C, ldc, T, ldt, rows, cols, i0, j0, sym, diag, f);
}

extern "C" __global__ void tangent_map_hom_f32(float* C, long long ldc, float* T, long long ldt, int rows, int cols,
                                               long long i0, long long j0, int sym, const float* diag,
                                               const float* ra, const float* sa, const float* nb, const float* rb,
                                               const float* coef, int terms) {
    TkHom32 f = {ra, sa, nb, rb, coef, terms};
    tk_map_tile(C, ldc, T, ldt, rows, cols, i0, j0, sym, diag, f);
}

// The layer-by-layer map, in double precision whatever the storage: prog = the layer program (TK_STRIDE doubles per
// layer), scale = the input kernel's s, qa/qb = variances entering each layer (layer k of point i at k·lqa + i).
extern "C" __global__ void tangent_map_layers_f64(double* C, long long ldc, double* T, long long ldt, int rows, int cols,
                                                  long long i0, long long j0, int sym, const double* diag,
                                                  const double* prog, int layers, int ntk, double scale,
                                                  const double* qa, long long lqa, const double* qb, long long lqb) {
    TkLayers f = {prog, layers, ntk, scale, qa, qb, lqa, lqb};
    tk_map_tile(C, ldc, T, ldt, rows, cols, i0, j0, sym, diag, f);
}

extern "C" __global__ void tangent_map_layers_f32(float* C, long long ldc, float* T, long long ldt, int rows, int cols,
                                                  long long i0, long long j0, int sym, const float* diag,
                                                  const double* prog, int layers, int ntk, double scale,
                                                  const double* qa, long long lqa, const double* qb, long long lqb) {
    TkLayers32 f = {{prog, layers, ntk, scale, qa, qb, lqa, lqb}};
    tk_map_tile(C, ldc, T, ldt, rows, cols, i0, j0, sym, diag, f);
}

// ---- what a kernel matrix on the device serves ---------------------------------------------------------------------

// out[i] = Σ_j K[i][j]·v[j], accumulated in double: one warp per row. Launch: block 256, grid ⌈rows/8⌉.
template <typename T>
__device__ void tk_matvec(const T* K, long long ld, int rows, int cols, const double* v, double* out) {
    int warp = (blockIdx.x * blockDim.x + threadIdx.x) >> 5;
    int lane = threadIdx.x & 31;
    if (warp >= rows) {
        return;
    }
    const T* row = K + warp * ld;
    double s = 0;
    for (int j = lane; j < cols; j += 32) {
        s += (double) row[j] * v[j];
    }
    for (int off = 16; off > 0; off >>= 1) {
        s += __shfl_down_sync(0xffffffffu, s, off);
    }
    if (lane == 0) {
        out[warp] = s;
    }
}

extern "C" __global__ void tangent_matvec_f64(const double* K, long long ld, int rows, int cols, const double* v, double* out) {
    tk_matvec(K, ld, rows, cols, v, out);
}

extern "C" __global__ void tangent_matvec_f32(const float* K, long long ld, int rows, int cols, const double* v, double* out) {
    tk_matvec(K, ld, rows, cols, v, out);
}

// dst[a][b] = K[ri[a]][ci[b]] (dst dense, ld = nc). Launch: block 256, grid ⌈nr·nc/256⌉.
template <typename T>
__device__ void tk_gather(const T* K, long long ld, const int* ri, int nr, const int* ci, int nc, T* dst) {
    long long t = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (t >= (long long) nr * nc) {
        return;
    }
    int a = (int) (t / nc);
    int b = (int) (t % nc);
    dst[t] = K[(long long) ri[a] * ld + ci[b]];
}

extern "C" __global__ void tangent_gather_f64(const double* K, long long ld, const int* ri, int nr, const int* ci, int nc, double* dst) {
    tk_gather(K, ld, ri, nr, ci, nc, dst);
}

extern "C" __global__ void tangent_gather_f32(const float* K, long long ld, const int* ri, int nr, const int* ci, int nc, float* dst) {
    tk_gather(K, ld, ri, nr, ci, nc, dst);
}

// A (rows × cols, f64, lda) = src (f32 or f64, lds), plus `shift` on the diagonal: the matrix a shifted Cholesky
// factorises. Launch: block 256, grid ⌈rows·cols/256⌉.
template <typename T>
__device__ void tk_shifted(const T* src, long long lds, double* A, long long lda, int rows, int cols, double shift) {
    long long t = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (t >= (long long) rows * cols) {
        return;
    }
    long long i = t / cols;
    long long j = t % cols;
    double v = (double) src[i * lds + j];
    A[i * lda + j] = i == j ? v + shift : v;
}

extern "C" __global__ void tangent_shifted_f64(const double* src, long long lds, double* A, long long lda, int rows, int cols, double shift) {
    tk_shifted(src, lds, A, lda, rows, cols, shift);
}

extern "C" __global__ void tangent_shifted_f32(const float* src, long long lds, double* A, long long lda, int rows, int cols, double shift) {
    tk_shifted(src, lds, A, lda, rows, cols, shift);
}

// dst (cols × rows, ldd) = srcᵀ (src rows × cols, lds), f64, through a shared tile. Launch: block (32, 8),
// grid (⌈cols/32⌉, ⌈rows/32⌉).
extern "C" __global__ void tangent_transpose_f64(const double* src, long long lds, double* dst, long long ldd, int rows, int cols) {
    __shared__ double tile[TK_TILE][TK_TILE + 1];
    int bx = blockIdx.x * TK_TILE;
    int by = blockIdx.y * TK_TILE;
    for (int r = threadIdx.y; r < TK_TILE; r += TK_TILE_ROWS) {
        int a = by + r;
        int b = bx + threadIdx.x;
        if (a < rows && b < cols) {
            tile[r][threadIdx.x] = src[(long long) a * lds + b];
        }
    }
    __syncthreads();
    for (int r = threadIdx.y; r < TK_TILE; r += TK_TILE_ROWS) {
        int b = bx + r;
        int a = by + threadIdx.x;
        if (a < rows && b < cols) {
            dst[(long long) b * ldd + a] = tile[threadIdx.x][r];
        }
    }
}

// ---- interval bounds of certificates -------------------------------------------------------------------------------

// lo/hi (m × n, ldo) of K(x′, x_i) for m test points (‖x_p‖² = xx[p], radius delta[p], inner products dot, ldd) and
// n training points (norms v). Launch: block 256, grid (⌈n/256⌉, m).
extern "C" __global__ void tangent_interval_bounds(int m, int n, const double* dot, long long ldd, const double* xx,
                                                   const double* delta, const double* v, int d, int mode,
                                                   const double* prog, int layers, int ntk, double scale, int steps,
                                                   double w4, double* lo, double* hi, long long ldo) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    int p = blockIdx.y;
    if (i >= n || p >= m) {
        return;
    }
    double out[2];
    tk_interval(mode, prog, layers, ntk, scale, steps, w4, xx[p], delta[p], d, dot[(long long) p * ldd + i], v[i], out);
    lo[(long long) p * ldo + i] = out[0];
    hi[(long long) p * ldo + i] = out[1];
}

// margin[p] = sign[p]·(bias + Σ_i α_i·(s·α_i > 0 ? lo_i : hi_i)), KernelCertifier.margin for m points at once.
// Launch: block 256 (a power of two), grid m.
extern "C" __global__ void tangent_interval_margin(int m, int n, const double* dot, long long ldd, const double* xx,
                                                   const double* delta, const double* sign, const double* v,
                                                   const double* alpha, double bias, int d, int mode,
                                                   const double* prog, int layers, int ntk, double scale, int steps,
                                                   double w4, double* margin) {
    __shared__ double part[256];
    int p = blockIdx.x;
    if (p >= m) {
        return;
    }
    double s = sign[p];
    double g = 0;
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
        double out[2];
        tk_interval(mode, prog, layers, ntk, scale, steps, w4, xx[p], delta[p], d, dot[(long long) p * ldd + i], v[i], out);
        double a = alpha[i];
        g += a * ((s > 0) == (a > 0) ? out[0] : out[1]);
    }
    part[threadIdx.x] = g;
    __syncthreads();
    for (int w = blockDim.x / 2; w > 0; w >>= 1) {
        if (threadIdx.x < w) {
            part[threadIdx.x] += part[threadIdx.x + w];
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) {
        margin[p] = s * (bias + part[0]);
    }
}
