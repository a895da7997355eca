/*
 * The few cuBLAS and cuSOLVER (dense) functions Tangent's CUDA provider calls, declared from the libraries' documented
 * C API (CUDA Toolkit documentation: cuBLAS "cuBLAS Datatypes Reference" and "cuBLAS Level-3 Function Reference";
 * cuSOLVER "cuSolverDN: dense LAPACK Function Reference"), because the development machines have neither library
 * nor its headers. jextract (jextract/cublas.args) turns this file into dev.tangent.ffi.cublas.cublas_h; the
 * libraries themselves (libcublas.so.13, libcusolver.so.12 of CUDA 13, or .12/.11 of CUDA 12) are found at run time
 * by dev.tangent.compute.CudaLibraries.
 *
 * The _v2 names are the exported symbols that cublas_v2.h's macros map cublasCreate, cublasSgemm, ... to. The enum
 * values are the documented ones (cublasOperation_t, cublasFillMode_t, cublasStatus_t, cusolverStatus_t).
 */
#ifndef TANGENT_CUDA_LIBS_H
#define TANGENT_CUDA_LIBS_H

typedef struct CUstream_st *cudaStream_t;

/* ---- cuBLAS ---- */
typedef struct cublasContext *cublasHandle_t;

typedef enum {
    CUBLAS_STATUS_SUCCESS = 0,
    CUBLAS_STATUS_NOT_INITIALIZED = 1,
    CUBLAS_STATUS_ALLOC_FAILED = 3,
    CUBLAS_STATUS_INVALID_VALUE = 7,
    CUBLAS_STATUS_ARCH_MISMATCH = 8,
    CUBLAS_STATUS_MAPPING_ERROR = 11,
    CUBLAS_STATUS_EXECUTION_FAILED = 13,
    CUBLAS_STATUS_INTERNAL_ERROR = 14,
    CUBLAS_STATUS_NOT_SUPPORTED = 15,
    CUBLAS_STATUS_LICENSE_ERROR = 16
} cublasStatus_t;

typedef enum {
    CUBLAS_OP_N = 0,
    CUBLAS_OP_T = 1,
    CUBLAS_OP_C = 2
} cublasOperation_t;

typedef enum {
    CUBLAS_FILL_MODE_LOWER = 0,
    CUBLAS_FILL_MODE_UPPER = 1,
    CUBLAS_FILL_MODE_FULL = 2
} cublasFillMode_t;

cublasStatus_t cublasCreate_v2(cublasHandle_t *handle);
cublasStatus_t cublasDestroy_v2(cublasHandle_t handle);
cublasStatus_t cublasGetVersion_v2(cublasHandle_t handle, int *version);
cublasStatus_t cublasSetStream_v2(cublasHandle_t handle, cudaStream_t streamId);

/* C = alpha·op(A)·op(B) + beta·C, column-major; alpha and beta by host pointer (the default pointer mode) */
cublasStatus_t cublasSgemm_v2(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n,
                              int k, const float *alpha, const float *A, int lda, const float *B, int ldb,
                              const float *beta, float *C, int ldc);
cublasStatus_t cublasDgemm_v2(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n,
                              int k, const double *alpha, const double *A, int lda, const double *B, int ldb,
                              const double *beta, double *C, int ldc);

/* C = alpha·op(A)·op(A)ᵀ + beta·C on the uplo triangle of the n × n column-major C */
cublasStatus_t cublasSsyrk_v2(cublasHandle_t handle, cublasFillMode_t uplo, cublasOperation_t trans, int n, int k,
                              const float *alpha, const float *A, int lda, const float *beta, float *C, int ldc);
cublasStatus_t cublasDsyrk_v2(cublasHandle_t handle, cublasFillMode_t uplo, cublasOperation_t trans, int n, int k,
                              const double *alpha, const double *A, int lda, const double *beta, double *C, int ldc);

/* ---- cuSOLVER (dense) ---- */
typedef struct cusolverDnContext *cusolverDnHandle_t;

typedef enum {
    CUSOLVER_STATUS_SUCCESS = 0,
    CUSOLVER_STATUS_NOT_INITIALIZED = 1,
    CUSOLVER_STATUS_ALLOC_FAILED = 2,
    CUSOLVER_STATUS_INVALID_VALUE = 3,
    CUSOLVER_STATUS_ARCH_MISMATCH = 4,
    CUSOLVER_STATUS_EXECUTION_FAILED = 6,
    CUSOLVER_STATUS_INTERNAL_ERROR = 7
} cusolverStatus_t;

cusolverStatus_t cusolverGetVersion(int *version);
cusolverStatus_t cusolverDnCreate(cusolverDnHandle_t *handle);
cusolverStatus_t cusolverDnDestroy(cusolverDnHandle_t handle);
cusolverStatus_t cusolverDnSetStream(cusolverDnHandle_t handle, cudaStream_t streamId);

/* Cholesky factorisation A = L·Lᵀ (uplo LOWER) of the column-major n × n A, in place; devInfo on the device */
cusolverStatus_t cusolverDnDpotrf_bufferSize(cusolverDnHandle_t handle, cublasFillMode_t uplo, int n, double *A,
                                             int lda, int *Lwork);
cusolverStatus_t cusolverDnDpotrf(cusolverDnHandle_t handle, cublasFillMode_t uplo, int n, double *A, int lda,
                                  double *Workspace, int Lwork, int *devInfo);
/* solves A·X = B with the factor of potrf; B column-major n × nrhs, overwritten by X */
cusolverStatus_t cusolverDnDpotrs(cusolverDnHandle_t handle, cublasFillMode_t uplo, int n, int nrhs, const double *A,
                                  int lda, double *B, int ldb, int *devInfo);

#endif
