#ifndef UNCORD_CZLIB_SHIM_H
#define UNCORD_CZLIB_SHIM_H
#include <zlib.h>
#endif
