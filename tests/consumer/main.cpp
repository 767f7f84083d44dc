// SPDX-License-Identifier: MIT
// A program that uses tierflow as a consumer would: the umbrella header only
// (no yaml-cpp), linked through tierflow::tierflow.
#include <cstdio>

#include <tierflow/tierflow.hpp>

int main() {
  const auto five_business_days = tierflow::parse_duration("5bd");
  if (!five_business_days) {
    std::fputs("consumer: parse_duration(\"5bd\") failed\n", stderr);
    return 1;
  }
  // Calls into the compiled library, so linking proves that the package
  // brings the library's own dependencies (yaml-cpp, fmt) when it is static.
  tierflow::diagnostics diags;
  const tierflow::catalog loaded = tierflow::load_catalog({}, diags);
  (void)loaded;
  std::printf("%s\n", five_business_days->str().c_str());
  return 0;
}
