// SPDX-License-Identifier: MIT
// A program that links tierflow::sqlite and nothing else of tierflow: the
// component must bring the core (and, when static, SQLite) with it.
#include <cstdio>

#include <tierflow/sqlite_store.hpp>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fputs("usage: consumer_sqlite FILE\n", stderr);
    return 2;
  }
  auto store = tierflow::sqlite_store::open(argv[1]);
  if (!store) {
    std::fprintf(stderr, "consumer_sqlite: %s\n", store.error().message().c_str());
    return 1;
  }
  const auto number = (*store)->next_ticket_number();
  if (!number) {
    std::fprintf(stderr, "consumer_sqlite: %s\n", number.error().message().c_str());
    return 1;
  }
  std::printf("ticket %llu\n", static_cast<unsigned long long>(*number));
  return 0;
}
