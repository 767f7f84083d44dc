// SPDX-License-Identifier: MIT
// Writes the report test's store (report_store.hpp) for the browser test:
// `write_report_store sqlite:PATH WORKFLOWS_DIR`. Exit 0 when written, 1
// with the reason on stderr otherwise.
#include <cstdio>
#include <string>

#include "browser/report_store.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: write_report_store sqlite:PATH WORKFLOWS_DIR\n");
    return 2;
  }
  tierflow_test::report_store_facts facts;
  const std::string failed = tierflow_test::write_report_store(argv[1], argv[2], facts);
  if (!failed.empty()) {
    std::fprintf(stderr, "write_report_store: %s\n", failed.c_str());
    return 1;
  }
  std::printf("%d ticket(s) opened, %d closed\n", facts.opened, facts.closed);
  return 0;
}
