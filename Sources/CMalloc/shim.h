// glibc's malloc extensions (malloc_trim), where the C library has them.
#if __has_include(<malloc.h>)
#include <malloc.h>
#endif
