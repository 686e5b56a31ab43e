// libedit's native API plus tiny non-variadic shims: Swift cannot call el_set/history directly
// because they are C variadic functions.
#include <stdio.h>
#include <histedit.h>
