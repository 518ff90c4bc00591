#ifndef UNCORD_CSQLITE_SHIM_H
#define UNCORD_CSQLITE_SHIM_H
#include <sqlite3.h>
#endif
