// SPDX-License-Identifier: Apache-2.0
// The version and commit the library was built from. Only this file includes the commit
// header, which changes with every commit: a new commit recompiles one file.
#include "nanollama/version.h"

#include "nanollama_build_commit.h"

namespace nanollama {

const char* version() noexcept { return NANOLLAMA_VERSION_STRING; }
const char* build_commit() noexcept { return NANOLLAMA_BUILD_COMMIT; }

}  // namespace nanollama
