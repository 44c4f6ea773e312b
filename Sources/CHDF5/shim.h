#ifndef SENTIO_CHDF5_SHIM_H
#define SENTIO_CHDF5_SHIM_H
#include <hdf5.h>

// H5T_NATIVE_FLOAT, H5P_DEFAULT and friends are macros that expand to function calls or
// globals Swift cannot import; these give them to Media as plain functions.
static inline hid_t sentio_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t sentio_h5t_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t sentio_h5t_c_s1(void) { return H5T_C_S1; }
static inline hid_t sentio_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t sentio_h5s_all(void) { return H5S_ALL; }
static inline size_t sentio_h5t_variable(void) { return H5T_VARIABLE; }
static inline unsigned sentio_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline herr_t sentio_h5e_silence(void) { return H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }
#endif
