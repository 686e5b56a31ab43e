// OpenBLAS's cblas.h, plus its thread-count control (declared there on Debian).
#include <cblas.h>
