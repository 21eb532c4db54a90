// SPDX-License-Identifier: Apache-2.0
// <immintrin.h> for the AVX-512 translation units. GCC 12's AVX-512 intrinsics initialise
// their "undefined" upper halves from themselves, which trips -Wuninitialized at every
// inlined use (GCC bug 105593, fixed in GCC 13); the warnings are silenced for this include
// only. Declares nothing of its own, so sharing it between ISA files is safe.
#pragma once

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#if !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>
#pragma GCC diagnostic pop
