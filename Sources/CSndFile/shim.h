#ifndef SENTIO_CSNDFILE_SHIM_H
#define SENTIO_CSNDFILE_SHIM_H
#include <sndfile.h>
#endif
