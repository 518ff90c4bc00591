#ifndef UNCORD_CSODIUM_BENCH_SHIM_H
#define UNCORD_CSODIUM_BENCH_SHIM_H
#include <sodium.h>
#endif
