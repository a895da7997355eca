// The device kernels' per-entry math (tangent_kernel_math.cuh) compiled for the host, so that machines without a GPU
// test it: dev.tangent.compute.CudaKernelMathTest builds this file with g++ into a shared library and calls these
// functions through FFM, comparing them with the layers' scalar rules. Not part of the product.
//
//   g++ -O2 -shared -fPIC -o libtangent_kernel_math.so native/host_harness.cpp
#include "tangent_kernel_math.cuh"

extern "C" {

double tk_host_layers(const double* prog, int layers, int ntk, double c, const double* qa, long long lqa, long long i,
                      const double* qb, long long lqb, long long j) {
    return tk_layers(prog, layers, ntk, c, qa, lqa, i, qb, lqb, j);
}

double tk_host_hom64(double c, double ri, double si, double nj, double rj, const double* coef, int terms) {
    return tk_hom_entry64(c, ri, si, nj, rj, coef, terms);
}

float tk_host_hom32(float c, float ri, float si, float nj, float rj, const float* coef, int terms) {
    return tk_hom_entry32(c, ri, si, nj, rj, coef, terms);
}

void tk_host_interval(int mode, const double* prog, int layers, int ntk, double scale, int steps, double w4, double xx,
                      double delta, int d, double p, double v, double* out) {
    tk_interval(mode, prog, layers, ntk, scale, steps, w4, xx, delta, d, p, v, out);
}

}
