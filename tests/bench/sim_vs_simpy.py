# SPDX-License-Identifier: MIT
"""The M/M/c model of tests/bench/sim_bench.cpp in SimPy: customers per second.

Poisson arrivals at rate lambda = utilisation * c / mean_service, one
Resource of capacity c, exponential service of mean `mean_service` seconds;
each customer requests the resource, holds it for its service and releases
it. The same parameters as sim_bench's defaults; tests/bench/sim_vs_simpy.sh
runs both and prints the ratio.

Works with SimPy 3/4 (`import simpy`) and with Debian's python3-simpy, which
is SimPy 2.3 (`from SimPy.Simulation import ...`): whichever imports.

Prints the rate (customers simulated per second of this process's CPU time,
the simulation only, as sim_bench measures it), the simulated mean wait
beside the Erlang C value, and one line `RESULT key=value ...` for scripts.

    python3 tests/bench/sim_vs_simpy.py [--servers 10] [--utilisation 0.8]
        [--mean-service 300] [--customers 200000] [--seed 1]
"""

import argparse
import random
import sys
import time


def erlang_c_wait(c, lam, mu):
    """Mean wait in queue of M/M/c (Erlang C), by the Erlang B recurrence."""
    a = lam / mu
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    rho = a / c
    p_wait = b / (1.0 - rho + rho * b)
    return p_wait / (c * mu - lam)


def run_simpy3(simpy, c, lam, mu, customers, rng):
    env = simpy.Environment()
    desk = simpy.Resource(env, capacity=c)
    waits = []

    def customer(env):
        arrived = env.now
        with desk.request() as req:
            yield req
            waits.append(env.now - arrived)
            yield env.timeout(rng.expovariate(mu))

    def source(env):
        for _ in range(customers):
            env.process(customer(env))
            yield env.timeout(rng.expovariate(lam))

    env.process(source(env))
    env.run()
    return waits


def run_simpy2(c, lam, mu, customers, rng):
    from SimPy.Simulation import Process, Resource, Simulation, hold, release, request

    sim = Simulation()
    sim.initialize()
    desk = Resource(capacity=c, sim=sim)
    waits = []

    class Customer(Process):
        def visit(self):
            arrived = self.sim.now()
            yield request, self, desk
            waits.append(self.sim.now() - arrived)
            yield hold, self, rng.expovariate(mu)
            yield release, self, desk

    class Source(Process):
        def generate(self):
            for _ in range(customers):
                one = Customer(sim=self.sim)
                self.sim.activate(one, one.visit())
                yield hold, self, rng.expovariate(lam)

    source = Source(sim=sim)
    sim.activate(source, source.generate())
    sim.simulate(until=float("inf"))
    return waits


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--servers", type=int, default=10)
    p.add_argument("--utilisation", type=float, default=0.8)
    p.add_argument("--mean-service", type=float, default=300.0)
    p.add_argument("--customers", type=int, default=200000)
    p.add_argument("--seed", type=int, default=1)
    o = p.parse_args()
    if o.servers < 1 or not 0 < o.utilisation < 1 or o.mean_service <= 0 or o.customers < 1:
        p.error("servers >= 1, 0 < utilisation < 1, mean-service > 0, customers >= 1")

    mu = 1.0 / o.mean_service
    lam = o.utilisation * o.servers * mu
    rng = random.Random(o.seed)
    try:
        import simpy  # SimPy 3 or 4

        flavour = "simpy " + getattr(simpy, "__version__", "3+")
        before = time.process_time()
        waits = run_simpy3(simpy, o.servers, lam, mu, o.customers, rng)
    except ImportError:
        try:
            import SimPy  # Debian's python3-simpy: SimPy 2.3

            flavour = "SimPy " + getattr(SimPy, "__version__", "2")
        except ImportError:
            sys.exit("sim_vs_simpy.py: neither simpy nor SimPy can be imported "
                     "(Debian: apt-get install python3-simpy, then run /usr/bin/python3)")
        before = time.process_time()
        waits = run_simpy2(o.servers, lam, mu, o.customers, rng)
    cpu = time.process_time() - before

    served = len(waits)
    rate = o.customers / cpu
    mean_wait = sum(waits) / served if served else 0.0
    expected = erlang_c_wait(o.servers, lam, mu)
    print("%s M/M/%d, utilisation %.2f, mean service %.0f s: %d customers (%d served) "
          "in %.3f s CPU" % (flavour, o.servers, o.utilisation, o.mean_service, o.customers,
                             served, cpu))
    print("  %.0f customers/s CPU; mean wait %.1f s (Erlang C %.1f s)" % (rate, mean_wait, expected))
    print("RESULT mode=simpy customers=%d cpu_s=%.4f customers_per_s=%.1f mean_wait_s=%.2f "
          "erlang_c_wait_s=%.2f" % (o.customers, cpu, rate, mean_wait, expected))


if __name__ == "__main__":
    main()
