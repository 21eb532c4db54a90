// SPDX-License-Identifier: Apache-2.0
// A small persistent thread pool for the kernels' parallel regions (parallel_for, matmul).
// Internal to the kernel layer.
#pragma once

namespace nanollama::kernels {

using PartFn = void (*)(void* ctx, int part);

// Runs fn(ctx, part) for every part in [0, parts), on the calling thread and up to
// min(parts, max_threads) - 1 pool workers (max_threads <= 0: no limit beyond the CPUs),
// and returns when all are done. More parts than threads balance the load: parts are
// claimed one at a time by whichever thread is free. Which thread runs which part is
// not fixed, so fn must give the same result wherever a part runs (every caller splits its
// work statically). Runs everything on the calling thread when called from inside a part
// (no nested teams), or while another thread is using the pool. An exception thrown by fn
// is rethrown here after all parts have finished.
void run_parts(int parts, PartFn fn, void* ctx, int max_threads = 0);

}  // namespace nanollama::kernels
