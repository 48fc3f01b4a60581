/* testutil.h - what every cmocka test file includes. */
#ifndef CB_TESTUTIL_H
#define CB_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

#endif
