#include "CHeapStatistics.h"

#include <malloc.h>

size_t c_heap_statistics_bytes_in_use(void) {
    return mallinfo2().uordblks;
}
