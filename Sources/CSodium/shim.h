#ifndef UNCORD_CSODIUM_SHIM_H
#define UNCORD_CSODIUM_SHIM_H
#include <sodium.h>
#endif
