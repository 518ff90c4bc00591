#ifndef UNCORD_CQRENCODE_SHIM_H
#define UNCORD_CQRENCODE_SHIM_H
#include <qrencode.h>
#endif
