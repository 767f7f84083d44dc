// SPDX-License-Identifier: MIT
// Validation against queueing theory: a single-stage scenario (Poisson
// arrivals, exponential service, c agents on a 24x7 calendar, first come
// first served) is the M/M/c queue, whose mean wait in queue is Erlang C's
//     Wq = C(c, a) / (c·μ − λ),  a = λ/μ,
//     C(c, a) = (a^c/c! · c/(c−a)) / (Σ_{k<c} a^k/k! + a^c/c! · c/(c−a)).
// For utilisation ρ = a/c of 0.5, 0.8 and 0.95 and three scenario seeds,
// R replications each (after warm-up days that remove the empty-start
// bias) give a Student-t 95% interval of the mean wait that must contain
// Wq.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/loader.hpp>
#include <tierflow/simulation.hpp>

namespace tf = tierflow;
namespace sim = tierflow::sim;
using namespace std::chrono;

namespace {

const tf::catalog& desk() {
  static const tf::catalog cat = [] {
    tf::diagnostics diags;
    auto c = tf::load_catalog_files({TIERFLOW_SOURCE_DIR "/tests/data/sim/mmc"}, diags);
    REQUIRE_MESSAGE(c.has_value(), (c ? std::string() : c.error().message()));
    return std::move(*c);
  }();
  return cat;
}

constexpr double mean_service_s = 600;  // μ = 1/600 per second

/// Erlang C's mean wait in queue, seconds.
double erlang_c_wait(std::uint32_t c, double lambda, double mu) {
  const double a = lambda / mu;
  double term = 1, sum = 0;  // term = a^k / k!
  for (std::uint32_t k = 0; k < c; ++k) {
    sum += term;
    term *= a / (k + 1);
  }
  const double top = term * c / (c - a);  // a^c/c! · c/(c−a)
  const double prob_wait = top / (sum + top);
  return prob_wait / (c * mu - lambda);
}

sim::scenario mmc(std::uint32_t c, double rho, std::uint32_t warm_up, std::uint32_t days,
                  std::uint64_t seed) {
  sim::scenario sc;
  sc.id = "mmc";
  sc.start = sys_days{2026y / November / 2};
  sc.warm_up_days = warm_up;
  sc.days = days;
  sc.seed = seed;
  sc.sample_every = hours{6};
  sim::segment everyone;
  everyone.id = "C";
  everyone.count = 1000;
  sc.customers.segments = {everyone};
  sim::demand_stream d;
  d.type = "request";
  d.channels = {{"phone", 1}};
  // λ = ρ·c·μ per second, as a daily rate; hours and weekdays flat.
  d.per_day = rho * c / mean_service_s * 86400;
  d.hours.fill(1);
  d.weekdays.fill(1);
  sc.demand = {d};
  sim::staff_group agents;
  agents.role = "agent";
  agents.count = c;
  agents.calendar = "always";
  sc.staff = {agents};
  sim::handling_time h;
  h.time.shape = sim::time_distribution::kind::exponential;
  h.time.mean_s = mean_service_s;
  sc.handling = {h};
  return sc;
}

struct interval {
  double mean = 0, half_width = 0;
  std::uint64_t served = 0;
};

interval replicate(const sim::scenario& sc, std::uint32_t replications) {
  std::vector<double> means;
  interval out;
  for (std::uint32_t i = 0; i < replications; ++i) {
    sim::run_options o;
    o.seed = sim::replication_seed(sc.seed, i);
    auto r = sim::run(sc, desk(), o);
    REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().message()));
    REQUIRE(r->pools.size() == 1);
    REQUIRE(r->pools[0].wait.mean.has_value());
    CHECK(r->stuck == 0);
    means.push_back(*r->pools[0].wait.mean);
    out.served += r->pools[0].served;
  }
  double sum = 0;
  for (const double m : means) sum += m;
  out.mean = sum / static_cast<double>(means.size());
  double ss = 0;
  for (const double m : means) ss += (m - out.mean) * (m - out.mean);
  const double sd = std::sqrt(ss / static_cast<double>(means.size() - 1));
  out.half_width = sim::t_quantile_95(static_cast<double>(means.size() - 1)) * sd /
                   std::sqrt(static_cast<double>(means.size()));
  return out;
}

/// `precision`: the largest half-width, as a fraction of Wq, that still
/// makes the interval a test (a queue simulated wrong by that much fails).
void check_against_erlang(std::uint32_t c, double rho, std::uint32_t warm_up, std::uint32_t days,
                          std::uint32_t replications, double precision) {
  const double mu = 1 / mean_service_s, lambda = rho * c * mu;
  const double wq = erlang_c_wait(c, lambda, mu);
  for (const std::uint64_t seed : {11ULL, 22ULL, 33ULL}) {
    const interval ci = replicate(mmc(c, rho, warm_up, days, seed), replications);
    INFO("c = " << c << ", rho = " << rho << ", seed " << seed << ": Wq = " << wq
                << " s, simulated " << ci.mean << " ± " << ci.half_width << " s over "
                << ci.served << " customers");
    CHECK(ci.mean - ci.half_width <= wq);
    CHECK(wq <= ci.mean + ci.half_width);
    CHECK(ci.half_width < precision * wq);
  }
}

}  // namespace

TEST_CASE("sim.erlang.formula_matches_a_textbook_value") {
  // c = 2, λ = 1, μ = 1 (a = 1, ρ = 0.5): C = 1/3, Wq = 1/3 ÷ (2 − 1) = 1/3.
  CHECK(erlang_c_wait(2, 1, 1) == doctest::Approx(1.0 / 3));
  // c = 1 is M/M/1: Wq = ρ / (μ − λ) = 0.8 / 0.2 = 4.
  CHECK(erlang_c_wait(1, 0.8, 1) == doctest::Approx(4.0));
}

// Within 30% of Wq at ρ = 0.5 and 0.8. At ρ = 0.95 the queue's memory is
// days long (relaxation time 1/(cμ(1 − √ρ)²) ≈ 2 days), so ten 10-day
// replications pin Wq down to within about 40%: still a test, since Wq at ρ = 0.9
// is less than half of Wq at 0.95 (a wrong arrival or service rate, or
// people idling with work waiting, falls outside). Warm-up: a day, and 3
// days at 0.95, after which the empty start's bias is far inside the
// interval.
TEST_CASE("sim.erlang.utilisation_0_5") { check_against_erlang(3, 0.5, 1, 6, 10, 0.3); }

TEST_CASE("sim.erlang.utilisation_0_8") { check_against_erlang(5, 0.8, 1, 6, 10, 0.3); }

TEST_CASE("sim.erlang.utilisation_0_95") { check_against_erlang(5, 0.95, 3, 10, 10, 0.45); }
