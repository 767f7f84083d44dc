// SPDX-License-Identifier: MIT
// The library version, for hosts that log or check it.
#pragma once

#define TIERFLOW_VERSION_MAJOR 0
#define TIERFLOW_VERSION_MINOR 1
#define TIERFLOW_VERSION_PATCH 0

namespace tierflow {

/// The version as "MAJOR.MINOR.PATCH".
inline constexpr const char* version_string = "0.1.0";

}  // namespace tierflow
