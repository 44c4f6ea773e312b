#ifndef SENTIO_CZEROMQ_SHIM_H
#define SENTIO_CZEROMQ_SHIM_H
#include <zmq.h>
#endif
