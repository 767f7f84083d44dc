// SPDX-License-Identifier: MIT
// The input rules of engine_input_rules_test on PostgreSQL, which refuses
// NUL bytes and invalid UTF-8 by itself: the engine refuses them first, so
// the request gets the same code as on the memory store and SQLite, and the
// refusal is audited.
#include <string>

#include <doctest/doctest.h>

#include <tierflow/memory_store.hpp>
#include <tierflow/postgres_store.hpp>

#include "support/engine_cases.hpp"
#include "support/scratch_db.hpp"

namespace tf = tierflow;
using namespace tierflow_test::engine_cases;

TEST_CASE("engine.input_rules.postgres_store_gives_the_same_answers") {
  std::string on_memory;
  {
    tf::memory_store st;
    on_memory = check_input_rules(&st);
  }
  tierflow_test::scratch_postgres db("tierflow_rules_");
  auto st = db.open();
  CHECK(check_input_rules(st.get()) == on_memory);
}
