/* side_by_side.c: a here, b on a helper thread; see side_by_side.h. */
#include "memtui/base/side_by_side.h"

#include <pthread.h>

void mt_side_by_side(void *(*run_a)(void *), void *a, void *(*run_b)(void *), void *b)
{
    pthread_t helper;
    if (pthread_create(&helper, NULL, run_b, b)) {
        run_a(a);
        run_b(b);
        return;
    }
    run_a(a);
    pthread_join(helper, NULL);
}
