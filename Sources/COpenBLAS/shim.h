#ifndef SENTIO_COPENBLAS_SHIM_H
#define SENTIO_COPENBLAS_SHIM_H
#include <cblas.h>
// OpenBLAS extensions used to pin thread counts for fair benchmarks.
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
#endif
