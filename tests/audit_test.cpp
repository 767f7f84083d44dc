// SPDX-License-Identifier: MIT
// The audit trail of tierflow/audit.hpp: canonical encoding, hash chain,
// verification of edits, insertions, deletions, reorderings and truncation,
// and the JSON Lines and CSV exports.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <tierflow/audit.hpp>
#include <tierflow/event.hpp>

namespace chr = std::chrono;
using tierflow::chain_break;
using tierflow::event;
using tierflow::event_hash;
using tierflow::event_stream;
using tierflow::event_type;

namespace {

constexpr tierflow::timestamp at(int hour, int minute) {
  return tierflow::timestamp{chr::sys_days{chr::year{2026} / 11 / 24}} + chr::hours{hour} +
         chr::minutes{minute};
}

/// The fixed event of the known-answer test.
event fixed_event() {
  event e;
  e.ticket_id = "T-2026-0001";
  e.sequence = 1;
  e.time = at(8, 30);  // 2026-11-24T08:30:00Z
  e.actor_id = "csr_01";
  e.workflow_id = "complaint";
  e.workflow_version = 1;
  e.type = event_type::routed;
  e.details = {{"rule", "key_customer"}, {"to_tier", "enterprise_manager"}};
  return e;
}

/// A sealed stream of `n` events of ticket T1, one a minute from 09:00.
std::vector<event> sealed_stream(int n) {
  event_stream s("T1");
  for (int i = 0; i < n; ++i) {
    event e;
    e.time = at(9, i);
    e.actor_id = i % 2 == 0 ? "csr_01" : "system";
    e.workflow_id = "complaint";
    e.workflow_version = 2;
    e.type =
        tierflow::all_event_types[static_cast<std::size_t>(i) % tierflow::all_event_types.size()];
    e.details = {{"n", std::to_string(i)}, {"reason", "step " + std::to_string(i)}};
    REQUIRE(s.append(std::move(e)));
  }
  return {s.events().begin(), s.events().end()};
}

/// The chain must break at `sequence` for `reason`, and verify() must fail
/// with data_loss and the broken link's message.
void check_break(const std::vector<event>& stream, std::uint64_t sequence, chain_break reason) {
  const auto r = tierflow::first_break(stream);
  REQUIRE(r);
  CHECK(r->sequence == sequence);
  CHECK(r->reason == reason);
  CHECK(r->message.rfind(
            "event " + std::to_string(sequence) + ": " + std::string(to_string(reason)) + ": ",
            0) == 0);
  const auto v = tierflow::verify(stream);
  REQUIRE_FALSE(v);
  CHECK(v.error().code() == tierflow::errc::data_loss);
  CHECK(v.error().message() == r->message);
}

std::string hex_of(const std::string& bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 0x0f]);
  }
  return out;
}

}  // namespace

TEST_CASE("audit.event_type.names_round_trip") {
  for (const event_type t : tierflow::all_event_types) {
    CHECK(tierflow::parse_event_type(to_string(t)) == t);
  }
  CHECK(to_string(event_type::deadline_breached) == "deadline_breached");
  CHECK_FALSE(tierflow::parse_event_type("opend"));
}

TEST_CASE("audit.encoding.layout_is_pinned") {
  event e;
  e.ticket_id = "T";
  e.sequence = 2;
  e.time = tierflow::timestamp{chr::seconds{-1}};
  e.actor_id = "a";
  e.workflow_id = "";
  e.workflow_version = 0x01020304;
  e.type = event_type::denied;
  e.details = {{"k", "v"}};
  e.prev_hash.fill(0xab);
  e.hash.fill(0xcd);  // not part of the encoding
  const std::string expected_hex =
      "01"                                                                // format version
      "abababababababababababababababababababababababababababababababab"  // prev_hash
      "000000000000000154"                                                // ticket_id "T"
      "0000000000000002"                                                  // sequence
      "ffffffffffffffff"                                                  // time: -1 s
      "000000000000000161"                                                // actor_id "a"
      "0000000000000000"                                                  // workflow_id ""
      "01020304"                                                          // workflow_version
      "0e"                                                                // type: denied = 14
      "0000000000000001"                                                  // one detail
      "00000000000000016b"                                                // key "k"
      "000000000000000176";                                               // value "v"
  CHECK(hex_of(tierflow::canonical_encoding(e)) == expected_hex);
}

TEST_CASE("audit.hash.known_answer") {
  // SHA-256 of the format-1 encoding of fixed_event() after the zero hash,
  // cross-checked against an independent encoder written from the spec in
  // audit.hpp (Python struct + hashlib, and `sha256sum` of its bytes). If this changes,
  // every sealed trail stops verifying: bump audit_format_version instead.
  const event e = fixed_event();
  CHECK(tierflow::to_hex(tierflow::hash_event(event_hash{}, e)) ==
        "6d45e6e3ef1cb84478f332645732a042f6266bfc1a8edde9f2081b6c040c30f5");
  CHECK(tierflow::hash_event(event_hash{}, e) == tierflow::hash_event(event_hash{}, e));
  event_hash other{};
  other[31] = 1;
  CHECK(tierflow::hash_event(other, e) != tierflow::hash_event(event_hash{}, e));
}

TEST_CASE("audit.encoding.field_boundaries_are_unambiguous") {
  const auto hash = [](const event& e) { return tierflow::hash_event(event_hash{}, e); };
  const event base = fixed_event();
  SUBCASE("between actor and workflow") {
    event a = base, b = base;
    a.actor_id = "csr_0";
    a.workflow_id = "1complaint";
    b.actor_id = "csr_01";
    b.workflow_id = "complaint";
    CHECK(a.actor_id + a.workflow_id == b.actor_id + b.workflow_id);
    CHECK(hash(a) != hash(b));
  }
  SUBCASE("between a detail's key and value") {
    event a = base, b = base;
    a.details = {{"ru", "lekey"}};
    b.details = {{"rule", "key"}};
    CHECK(hash(a) != hash(b));
  }
  SUBCASE("between two details") {
    event a = base, b = base;
    a.details = {{"a", "b"}, {"c", "d"}};
    b.details = {{"a", std::string("b\0\0\0\0\0\0\0\1c\0\0\0\0\0\0\0\1d", 19)}};
    CHECK(hash(a) != hash(b));
  }
  SUBCASE("between ticket id and sequence") {
    event a = base, b = base;
    a.ticket_id = "T1";
    a.sequence = 1;
    b.ticket_id = "T";
    b.sequence = 11;
    CHECK(hash(a) != hash(b));
  }
  SUBCASE("empty detail value versus no detail") {
    event a = base, b = base;
    a.details = {};
    b.details = {{"", ""}};
    CHECK(hash(a) != hash(b));
  }
}

TEST_CASE("audit.seal.links_each_event_to_the_previous") {
  std::vector<event> batch(3, fixed_event());
  event_hash start{};
  start[0] = 7;
  const event_hash head = tierflow::seal(batch, start);
  CHECK(batch[0].prev_hash == start);
  CHECK(batch[1].prev_hash == batch[0].hash);
  CHECK(batch[2].prev_hash == batch[1].hash);
  CHECK(head == batch[2].hash);
  for (const event& e : batch) CHECK(e.hash == tierflow::hash_event(e.prev_hash, e));
}

TEST_CASE("audit.verify.passes_sealed_stream") {
  CHECK(tierflow::verify(std::vector<event>{}));
  CHECK(tierflow::verify(std::vector<event>{}, event_hash{}));
  const std::vector<event> s = sealed_stream(6);
  REQUIRE(tierflow::verify(s));
  CHECK(tierflow::verify(s, s.back().hash));
  CHECK(s.front().prev_hash == event_hash{});
  for (std::size_t i = 0; i < s.size(); ++i) CHECK(s[i].sequence == i + 1);
}

TEST_CASE("audit.verify.detects_edited_field") {
  using edit = std::function<void(event&)>;
  const std::vector<std::pair<const char*, edit>> edits = {
      {"ticket_id", [](event& e) { e.ticket_id = "T2"; }},
      {"sequence", [](event& e) { e.sequence += 1; }},
      {"time", [](event& e) { e.time += chr::seconds{1}; }},
      {"actor_id", [](event& e) { e.actor_id += "x"; }},
      {"workflow_id", [](event& e) { e.workflow_id = "fault_repair"; }},
      {"workflow_version", [](event& e) { e.workflow_version = 3; }},
      {"type", [](event& e) { e.type = event_type::closed; }},
      {"detail key", [](event& e) { e.details[0].first = "m"; }},
      {"detail value", [](event& e) { e.details[1].second += "!"; }},
      {"detail order", [](event& e) { std::swap(e.details[0], e.details[1]); }},
      {"detail added", [](event& e) { e.details.emplace_back("extra", ""); }},
      {"detail removed", [](event& e) { e.details.pop_back(); }},
      {"prev_hash", [](event& e) { e.prev_hash[5] ^= 1; }},
      {"hash", [](event& e) { e.hash[0] ^= 0x80; }},
  };
  const std::vector<event> original = sealed_stream(5);
  for (const auto& change : edits) {
    // Not a structured binding: Clang before 16 cannot capture one in the
    // lambda CAPTURE makes.
    const auto& field = change.first;
    const auto& apply = change.second;
    for (const std::size_t at_index : {std::size_t{0}, std::size_t{2}, std::size_t{4}}) {
      CAPTURE(field);
      CAPTURE(at_index);
      std::vector<event> s = original;
      apply(s[at_index]);
      REQUIRE(s[at_index] != original[at_index]);
      check_break(s, at_index + 1, chain_break::edited);
    }
  }
}

TEST_CASE("audit.verify.detects_edit_that_was_rehashed") {
  // Whoever edits event 3 and recomputes its hash breaks the link to event 4.
  std::vector<event> s = sealed_stream(5);
  s[2].actor_id = "someone_else";
  s[2].hash = tierflow::hash_event(s[2].prev_hash, s[2]);
  check_break(s, 4, chain_break::edited);
  // Re-hashing the first event against another start breaks the chain at 1.
  std::vector<event> t = sealed_stream(3);
  t[0].prev_hash[0] = 1;
  t[0].hash = tierflow::hash_event(t[0].prev_hash, t[0]);
  check_break(t, 1, chain_break::edited);
}

TEST_CASE("audit.verify.detects_inserted_event") {
  const std::vector<event> original = sealed_stream(5);
  SUBCASE("forged with a valid hash, in the middle") {
    event forged = original[2];
    forged.actor_id = "intruder";
    forged.hash = tierflow::hash_event(forged.prev_hash, forged);  // links to event 2
    std::vector<event> s = original;
    s.insert(s.begin() + 2, forged);
    check_break(s, 3, chain_break::inserted);
  }
  SUBCASE("with a garbage hash, in the middle") {
    event forged = original[1];
    forged.sequence = 3;
    std::vector<event> s = original;
    s.insert(s.begin() + 2, forged);
    check_break(s, 3, chain_break::inserted);
  }
  SUBCASE("at the front") {
    std::vector<event> s = original;
    s.insert(s.begin(), original[3]);
    check_break(s, 1, chain_break::inserted);
  }
  SUBCASE("a duplicate") {
    std::vector<event> s = original;
    s.insert(s.begin() + 3, original[1]);
    check_break(s, 4, chain_break::inserted);
  }
  SUBCASE("appended past the recorded head") {
    // A well-formed extension is a valid chain; the stored head exposes it.
    std::vector<event> s = original;
    event extra = original.back();
    extra.sequence = 6;
    std::vector<event> tail{extra};
    tierflow::seal(tail, s.back().hash);
    s.push_back(tail.front());
    CHECK(tierflow::verify(s));
    CHECK_FALSE(tierflow::verify(s, original.back().hash));
    const auto r = tierflow::first_break(s, original.back().hash);
    REQUIRE(r);
    CHECK(r->reason == chain_break::inserted);
    CHECK(r->sequence == 6);
  }
}

TEST_CASE("audit.verify.detects_deleted_event") {
  const std::vector<event> original = sealed_stream(5);
  SUBCASE("in the middle") {
    std::vector<event> s = original;
    s.erase(s.begin() + 2);
    check_break(s, 3, chain_break::deleted);
  }
  SUBCASE("the first") {
    std::vector<event> s = original;
    s.erase(s.begin());
    check_break(s, 1, chain_break::deleted);
  }
  SUBCASE("two in a row") {
    std::vector<event> s = original;
    s.erase(s.begin() + 1, s.begin() + 3);
    check_break(s, 2, chain_break::deleted);
    CHECK(tierflow::verify(s).error().message() ==
          "event 2: deleted: missing; the stream jumps to sequence 4");
  }
}

TEST_CASE("audit.verify.detects_reordering") {
  const std::vector<event> original = sealed_stream(5);
  SUBCASE("two neighbours swapped") {
    std::vector<event> s = original;
    std::swap(s[2], s[3]);
    check_break(s, 3, chain_break::reordered);
  }
  SUBCASE("the last moved to the front") {
    std::vector<event> s = original;
    std::rotate(s.begin(), s.end() - 1, s.end());
    check_break(s, 1, chain_break::reordered);
  }
  SUBCASE("reversed") {
    std::vector<event> s(original.rbegin(), original.rend());
    check_break(s, 1, chain_break::reordered);
  }
}

TEST_CASE("audit.verify.truncated_tail_needs_the_recorded_head") {
  // Documented limitation: a prefix of a valid chain is a valid chain. The
  // store keeps the head hash; only verify(stream, head) sees the cut.
  const std::vector<event> original = sealed_stream(5);
  const event_hash head = original.back().hash;
  for (std::size_t keep = 0; keep < original.size(); ++keep) {
    CAPTURE(keep);
    const std::vector<event> prefix(original.begin(),
                                    original.begin() + static_cast<std::ptrdiff_t>(keep));
    CHECK(tierflow::verify(prefix));
    CHECK_FALSE(tierflow::verify(prefix, head));
    const auto r = tierflow::first_break(prefix, head);
    REQUIRE(r);
    CHECK(r->reason == chain_break::truncated);
    CHECK(r->sequence == keep + 1);
  }
  CHECK(tierflow::verify(original, head));
}

TEST_CASE("audit.stream.appends_only_in_sequence") {
  event_stream s("T1");
  CHECK(s.size() == 0);
  CHECK(s.head() == event_hash{});
  event e = fixed_event();
  e.ticket_id.clear();
  e.sequence = 0;
  REQUIRE(s.append(e));
  CHECK(s.events()[0].ticket_id == "T1");
  CHECK(s.events()[0].sequence == 1);
  CHECK(s.head() == s.events()[0].hash);

  SUBCASE("wrong sequence is a conflict and changes nothing") {
    const event_hash before = s.head();
    event late = e;
    late.sequence = 1;
    const auto r = s.append(late);
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == tierflow::errc::conflict);
    CHECK(r.error().message() == "appending to ticket 'T1': expected sequence 2, got 1");
    CHECK(s.size() == 1);
    CHECK(s.head() == before);
  }
  SUBCASE("another ticket's event is rejected") {
    event other = e;
    other.ticket_id = "T9";
    const auto r = s.append(other);
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == tierflow::errc::invalid_argument);
    CHECK(s.size() == 1);
  }
  SUBCASE("a batch is all or nothing") {
    std::vector<event> bad{e, e};
    bad[1].ticket_id = "T9";
    CHECK_FALSE(s.append(bad));
    CHECK(s.size() == 1);
    REQUIRE(s.append(std::vector<event>{e, e, e}));
    CHECK(s.size() == 4);
    CHECK(s.events()[3].sequence == 4);
    CHECK(tierflow::verify(s.events(), s.head()));
  }
}

TEST_CASE("audit.stream.adopt_verifies_what_it_loads") {
  const std::vector<event> s = sealed_stream(4);
  const auto ok = event_stream::adopt("T1", s, s.back().hash);
  REQUIRE(ok);
  CHECK(ok->size() == 4);
  CHECK(ok->head() == s.back().hash);

  std::vector<event> edited = s;
  edited[1].details[0].second = "9";
  const auto bad = event_stream::adopt("T1", edited, s.back().hash);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code() == tierflow::errc::data_loss);
  CHECK(bad.error().message() == "ticket 'T1': event 2: edited: content does not match its hash");

  const auto cut = event_stream::adopt("T1", {s.begin(), s.end() - 1}, s.back().hash);
  REQUIRE_FALSE(cut);
  CHECK(cut.error().message() ==
        "ticket 'T1': event 4: truncated: missing; the stream ends before the recorded head");

  CHECK_FALSE(event_stream::adopt("T2", s, s.back().hash));
}

TEST_CASE("audit.export.jsonl_round_trips") {
  std::vector<event> s = sealed_stream(3);
  {
    event_stream t("工单-7");
    event e = fixed_event();
    e.ticket_id.clear();
    e.sequence = 0;
    e.details = {{"note", "客户说:\"停电\",\n请尽快"}, {"rule", "key_customer"}};
    REQUIRE(t.append(e));
    s.push_back(t.events()[0]);
  }
  const std::string out = tierflow::to_jsonl(s);
  std::istringstream lines(out);
  std::string line;
  std::string last_line;
  std::size_t i = 0;
  while (std::getline(lines, line)) {
    last_line = line;
    REQUIRE(i < s.size());
    const event& e = s[i];
    const nlohmann::json j = nlohmann::json::parse(line);
    CHECK(j.at("ticket") == e.ticket_id);
    CHECK(j.at("sequence").get<std::uint64_t>() == e.sequence);
    CHECK(j.at("actor") == e.actor_id);
    CHECK(j.at("workflow") == e.workflow_id);
    CHECK(j.at("workflow_version").get<std::uint32_t>() == e.workflow_version);
    CHECK(tierflow::parse_event_type(j.at("type").get<std::string>()) == e.type);
    tierflow::event_details details;
    for (const auto& pair : j.at("details")) {
      REQUIRE(pair.size() == 2);
      details.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
    }
    CHECK(details == e.details);
    CHECK(j.at("prev_hash") == tierflow::to_hex(e.prev_hash));
    CHECK(j.at("hash") == tierflow::to_hex(e.hash));
    CHECK(j.size() == 10);
    ++i;
  }
  CHECK(i == s.size());
  CHECK(out.back() == '\n');
  // Times are ISO 8601 UTC; the fields come in the documented order.
  CHECK(out.rfind("{\"ticket\":\"T1\",\"sequence\":1,\"time\":\"2026-11-24T09:00:00Z\",", 0) == 0);
  CHECK(nlohmann::json::parse(last_line).at("time") == "2026-11-24T08:30:00Z");
}

TEST_CASE("audit.export.jsonl_survives_invalid_utf8") {
  std::vector<event> s{fixed_event()};
  s[0].actor_id = "bad\xff";
  tierflow::seal(s, event_hash{});
  std::string out;
  CHECK_NOTHROW(out = tierflow::to_jsonl(s));
  CHECK(nlohmann::json::parse(out).at("actor") == "bad\xef\xbf\xbd");
}

TEST_CASE("audit.export.csv_quotes_per_rfc4180") {
  std::vector<event> s{fixed_event()};
  s[0].ticket_id = "T,1";
  s[0].actor_id = "王\"小\"明";
  s[0].workflow_id = "投诉";
  s[0].details = {{"note", "line one\r\nline two"}};
  tierflow::seal(s, event_hash{});
  const std::string csv = tierflow::to_csv(s);
  const std::string header =
      "ticket,sequence,time,actor,workflow,workflow_version,type,details,prev_hash,hash\r\n";
  const std::string row =
      "\"T,1\",1,2026-11-24T08:30:00Z,\"王\"\"小\"\"明\",投诉,1,routed,"
      "\"[[\"\"note\"\",\"\"line one\\r\\nline two\"\"]]\"," +
      std::string(64, '0') + "," + tierflow::to_hex(s[0].hash) + "\r\n";
  CHECK(csv == header + row);

  SUBCASE("a newline inside a field is escaped, never raw") {
    std::vector<event> t{fixed_event()};
    t[0].actor_id = "a\nb";
    t[0].workflow_id = "plain";
    const std::string out = tierflow::to_csv(t);
    CHECK(out.find(",a\\nb,plain,") != std::string::npos);
    CHECK(out.find("a\nb") == std::string::npos);
  }
}

TEST_CASE("audit.export.csv_neutralises_formula_cells_per_owasp") {
  // Each cell that a spreadsheet would run as a formula gets a leading
  // quote and is quoted; the same text further in is left alone.
  const std::pair<std::string, std::string> cases[] = {
      {"=cmd|' /C calc'!A0", "\"'=cmd|' /C calc'!A0\""},
      {"+1+1", "\"'+1+1\""},
      {"-2+3", "\"'-2+3\""},
      {"@SUM(A1:A9)", "\"'@SUM(A1:A9)\""},
      {"\t=1+1", "\"'\\t=1+1\""},
      {"\r=1+1", "\"'\\r=1+1\""},
      {"=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""},
      {"a=1", "a=1"},
      {"li.wei", "li.wei"},
  };
  for (const auto& c : cases) {
    // No structured binding: clang 14 cannot capture one in INFO's lambda.
    const auto& actor = c.first;
    const auto& cell = c.second;
    INFO(actor);
    std::vector<event> s{fixed_event()};
    s[0].actor_id = actor;
    s[0].workflow_id = actor;
    const std::string csv = tierflow::to_csv(s);
    CHECK(csv.find(",2026-11-24T08:30:00Z," + cell + "," + cell + ",1,routed,") != std::string::npos);
  }
  // The ticket and the details cells too (a details cell is JSON: '[').
  std::vector<event> s{fixed_event()};
  s[0].ticket_id = "=T1";
  const std::string csv = tierflow::to_csv(s);
  CHECK(csv.find("\r\n\"'=T1\",1,") != std::string::npos);
}

TEST_CASE("audit.export.csv_writes_no_control_character_raw") {
  std::vector<event> s{fixed_event()};
  s[0].actor_id = "mallory\x1b[2J\x7f\xc2\x9b" "31m";
  s[0].workflow_id = "\xff投诉";
  s[0].details = {{"note", "bell\a and \x1b]0;title\x07 客户"}};
  const std::string csv = tierflow::to_csv(s);
  CHECK(csv.find(",mallory\\x1b[2J\\x7f\\u{9b}31m,\\xff投诉,1,") != std::string::npos);
  const std::string row = csv.substr(csv.find("\r\n") + 2);
  for (std::size_t i = 0; i + 2 < row.size(); ++i) {
    const auto b = static_cast<unsigned char>(row[i]);
    INFO(i);
    CHECK_FALSE((b < 0x20 || b == 0x7f));
    CHECK_FALSE((b == 0xc2 && static_cast<unsigned char>(row[i + 1]) <= 0x9f &&
                 static_cast<unsigned char>(row[i + 1]) >= 0x80));
  }
  CHECK(row.find("客户") != std::string::npos);
}

TEST_CASE("audit.export.jsonl_escapes_control_characters_and_stays_faithful") {
  std::vector<event> s{fixed_event()};
  s[0].actor_id = "mallory\x1b[2J\x7f\xc2\x9b" "31m";
  s[0].details = {{"note", "bell\a\n客户"}};
  tierflow::seal(s, event_hash{});
  const std::string line = tierflow::to_jsonl(s);
  CHECK(line.find(R"("actor":"mallory\u001b[2J\u007f\u009b31m")") != std::string::npos);
  CHECK(line.find(R"(["note","bell\u0007\n客户"])") != std::string::npos);
  for (std::size_t i = 0; i + 1 < line.size(); ++i) {
    const auto b = static_cast<unsigned char>(line[i]);
    CHECK_FALSE((b < 0x20 || b == 0x7f));
  }
  // A JSON reader gets the stored strings back, byte for byte.
  const auto j = nlohmann::json::parse(line);
  CHECK(j.at("actor") == s[0].actor_id);
  CHECK(j.at("details").at(0).at(1) == "bell\a\n客户");
}
