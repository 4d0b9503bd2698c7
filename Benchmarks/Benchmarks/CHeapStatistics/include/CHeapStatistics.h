#ifndef C_HEAP_STATISTICS_H
#define C_HEAP_STATISTICS_H

#include <stddef.h>

/// Bytes the C allocator has handed out and not taken back (glibc's mallinfo2().uordblks).
size_t c_heap_statistics_bytes_in_use(void);

#endif
