// SPDX-License-Identifier: MIT
// xstate 5 on tierflow's complaint path, the peer in tests/bench/xstate_vs_engine.sh:
// the states and actions of workflows/complaint.yaml as an xstate machine,
// driven along the path engine_bench's BM_complaint_lifecycle walks, and
// actors parked where BM_open_ticket_heap parks tierflow's tickets.
//
// Usage (node 18 or later; the script needs the garbage collector exposed):
//   npm ci                      # once, in this directory
//   node --expose-gc complaint.mjs [--lifecycles N] [--park N]
//   --lifecycles N  lifecycles timed, open to archived (default 100000; half
//                   as many run first, untimed, for the JIT)
//   --park N        actors started and left in `received` for the heap
//                   figure (default 100000)
// Prints one line: RESULT state_changes_per_s=… (per second of process CPU
// time, as engine_bench counts CPU time) state_changes_per_s_wall=…
// heap_bytes_per_actor=… lifecycles=… parked=… node=… xstate=…
//
// What the machine does: every state of complaint.yaml, every action as an
// event (the ones that stay in place as targetless transitions), `archived`
// and `reclassified` final; the ticket's data in the actor's context (the
// customer, its attributes, the ticket fields, the description, as
// tierflow's open request carries them), `claim` recording the assignee,
// `classify` recording closed_loop / callback, and the flags the stay-in-place
// actions raise, all with assign() as xstate does it.
//
// What xstate does NOT do here that tierflow does on the same path, so the
// figures compare a state machine with a workflow engine, not like with like:
// - audit: no event is kept, encoded, SHA-256 hash-chained or stored; the
//   actor holds its current snapshot only (tierflow seals 18 events per
//   lifecycle and appends them to its store with the ticket's summary row);
// - routing: no routing rules are evaluated at open (tierflow picks the
//   owner tier from the customer's attributes, key_big_customer here), no
//   derived history (complaints in the last 30 days), no open-time
//   escalation rules, no queues;
// - deadlines: no clocks run (tierflow starts the 30 min step limit and the
//   contact 24 h / reply 4 WD / answer 5 WD deadlines on the business
//   calendar at open, with their warning and breach rules, and pauses them
//   in waiting_customer); xstate's `after` timers could model fixed delays,
//   not business-calendar deadlines that span states;
// - authorisation: no check that the actor holds a role the action allows
//   (`by:`), no assignee-only rules, no note-required checks, no recorded
//   denials;
// - no ticket numbers, versions or optimistic concurrency, no store indexes.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { assign, createActor, setup } from 'xstate';

function parseArgs(argv) {
  const opts = { lifecycles: 100000, park: 100000 };
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i];
    const value = Number(argv[i + 1]);
    if ((name !== '--lifecycles' && name !== '--park') || !Number.isInteger(value) || value <= 0) {
      throw new Error(`complaint.mjs: bad argument ${name} ${argv[i + 1] ?? ''} (--lifecycles N, --park N)`);
    }
    opts[name.slice(2)] = value;
  }
  return opts;
}

// The actions of a state that change nothing but the context (tierflow's
// actions without `to:`).
const urge = { actions: 'flagUrged' };
const reportSkipLevel = { actions: 'flagSkipLevel' };

const complaint = setup({
  actions: {
    claim: assign({ assignee: ({ event }) => event.actor }),
    flagUrged: assign({
      flags: ({ context }) => (context.flags.includes('customer_urged') ? context.flags : [...context.flags, 'customer_urged']),
      urges: ({ context }) => context.urges + 1,
    }),
    flagSkipLevel: assign({
      flags: ({ context }) => (context.flags.includes('skip_level') ? context.flags : [...context.flags, 'skip_level']),
    }),
    closedLoop: assign({ closedLoop: (_, params) => params.value }),
    callback: assign({ callback: (_, params) => params.value }),
  },
}).createMachine({
  id: 'complaint',
  initial: 'received',
  context: ({ input }) => ({
    ticketType: input.ticketType,
    channel: input.channel,
    customerId: input.customerId,
    customer: input.customer,
    fields: input.fields,
    description: input.description,
    openedBy: input.openedBy,
    assignee: '',
    closedLoop: '',
    callback: '',
    flags: [],
    urges: 0,
  }),
  states: {
    received: {
      on: {
        classify: { target: 'classified', actions: 'claim' },
        not_a_complaint: { target: 'reclassified' },
        report_skip_level_risk: reportSkipLevel,
      },
    },
    classified: {
      on: { dispatch: { target: 'dispatched' }, report_skip_level_risk: reportSkipLevel },
    },
    dispatched: {
      on: {
        acknowledge: { target: 'acknowledged', actions: 'claim' },
        return_to_sender: { target: 'classified' },
        urge,
        report_skip_level_risk: reportSkipLevel,
      },
    },
    acknowledged: {
      on: {
        contact_customer: { target: 'customer_contacted', actions: 'claim' },
        urge,
        report_skip_level_risk: reportSkipLevel,
      },
    },
    customer_contacted: {
      on: { start_investigation: { target: 'investigating' }, urge, report_skip_level_risk: reportSkipLevel },
    },
    investigating: {
      on: {
        need_tech: { target: 'tech_review' },
        centre_dispatch: {
          target: 'centre_dispatch_loop',
          actions: { type: 'closedLoop', params: { value: 'centre_dispatch' } },
        },
        cross_organisation: {
          target: 'cross_org_dispatch',
          actions: { type: 'closedLoop', params: { value: 'cross_organisation' } },
        },
        need_customer_input: { target: 'waiting_customer' },
        refer_up: {},
        reply: {
          target: 'handler_replied',
          actions: ['claim', { type: 'closedLoop', params: { value: 'own_post' } }],
        },
        urge,
        report_skip_level_risk: reportSkipLevel,
      },
    },
    tech_review: {
      on: { tech_done: { target: 'investigating' }, tech_cannot_resolve: { target: 'investigating' }, urge },
    },
    centre_dispatch_loop: {
      on: { dispatch_closed: { target: 'back_with_owner' }, urge },
    },
    cross_org_dispatch: {
      on: { other_org_replied: { target: 'back_with_owner' }, urge },
    },
    back_with_owner: {
      on: {
        reply: { target: 'handler_replied', actions: 'claim' },
        urge,
        report_skip_level_risk: reportSkipLevel,
      },
    },
    waiting_customer: {
      on: { customer_responded: { target: 'investigating' }, urge, report_skip_level_risk: reportSkipLevel },
    },
    handler_replied: {
      on: { review_passed: { target: 'reviewed' }, review_rejected: { target: 'investigating' } },
    },
    reviewed: {
      on: {
        callback_satisfied: {
          target: 'callback_done',
          actions: { type: 'callback', params: { value: 'satisfied' } },
        },
        callback_unsatisfied: {
          target: 'reopened',
          actions: { type: 'callback', params: { value: 'unsatisfied' } },
        },
        callback_unreachable: { actions: { type: 'callback', params: { value: 'unreachable' } } },
      },
    },
    reopened: {
      on: { resume: { target: 'investigating', actions: 'claim' }, urge, report_skip_level_risk: reportSkipLevel },
    },
    callback_done: { on: { close: { target: 'closed' } } },
    closed: { on: { archive: { target: 'archived' } } },
    archived: { type: 'final' },
    reclassified: { type: 'final' },
  },
});

// The open request of tests/bench/bench_scenario.hpp's key_complaint: the
// level-1 key customer "C<customer>" complaining about a bill.
function keyComplaint(customer) {
  return {
    ticketType: 'complaint',
    channel: 'hotline_95598',
    customerId: 'C' + customer,
    customer: { importance_class: 'level1', region: 'kunshan', voltage_kv: 110.0, capacity_kva: 25000.0 },
    fields: { complaint_class: 'service' },
    description: 'bill higher than expected',
    openedBy: 'csr_01',
  };
}

// BM_complaint_lifecycle's ten state changes, with the agent who takes each
// and the state it leads to.
const path = [
  ['classify', 'csr_01', 'classified'],
  ['dispatch', 'csr_01', 'dispatched'],
  ['acknowledge', 'em_01', 'acknowledged'],
  ['contact_customer', 'em_01', 'customer_contacted'],
  ['start_investigation', 'em_01', 'investigating'],
  ['reply', 'em_01', 'handler_replied'],
  ['review_passed', 'em_01', 'reviewed'],
  ['callback_satisfied', 'em_01', 'callback_done'],
  ['close', 'em_01', 'closed'],
  ['archive', 'cb_01', 'archived'],
];
const events = path.map(([type, actor]) => ({ type, actor }));

function lifecycle(customer) {
  const ticket = createActor(complaint, { input: keyComplaint(customer) });
  ticket.start();
  for (const e of events) ticket.send(e);
  return ticket.getSnapshot();
}

// Once, untimed: every step lands where complaint.yaml says, and the actor
// ends done, so the timed loop measures real transitions and not events
// xstate dropped.
function checkPath() {
  const ticket = createActor(complaint, { input: keyComplaint(0) });
  ticket.start();
  for (const [type, actor, to] of path) {
    ticket.send({ type, actor });
    const value = ticket.getSnapshot().value;
    if (value !== to) throw new Error(`complaint.mjs: ${type} led to ${value}, not ${to}`);
  }
  const done = ticket.getSnapshot();
  if (done.status !== 'done' || done.context.assignee !== 'em_01' || done.context.closedLoop !== 'own_post' ||
      done.context.callback !== 'satisfied') {
    throw new Error('complaint.mjs: the lifecycle did not end archived with its context recorded');
  }
}

function cpuSeconds(since) {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
}

function main() {
  if (typeof globalThis.gc !== 'function') throw new Error('complaint.mjs: run with node --expose-gc');
  const opts = parseArgs(process.argv.slice(2));
  checkPath();

  // Warm-up, so the JIT has settled before the timed loop.
  let customer = 1;
  for (let i = 0; i < opts.lifecycles / 2; ++i) lifecycle(customer++);
  globalThis.gc();
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  let archived = 0;
  for (let i = 0; i < opts.lifecycles; ++i) if (lifecycle(customer++).value === 'archived') ++archived;
  const cpu = cpuSeconds(cpu0);
  const wall = (performance.now() - wall0) / 1e3;
  if (archived !== opts.lifecycles) throw new Error(`complaint.mjs: ${opts.lifecycles - archived} lifecycles not archived`);
  const changes = opts.lifecycles * path.length;

  // Heap per live actor, parked in `received` as BM_open_ticket_heap parks
  // tierflow's tickets; the array that holds them is allocated before.
  const parked = new Array(opts.park).fill(null);
  globalThis.gc();
  globalThis.gc();
  const heap0 = process.memoryUsage().heapUsed;
  for (let i = 0; i < opts.park; ++i) {
    const ticket = createActor(complaint, { input: keyComplaint(customer++) });
    ticket.start();
    parked[i] = ticket;
  }
  globalThis.gc();
  globalThis.gc();
  const heap1 = process.memoryUsage().heapUsed;
  if (!parked.every((t) => t.getSnapshot().value === 'received')) throw new Error('complaint.mjs: a parked actor moved');

  const xstateVersion = JSON.parse(readFileSync(new URL('./node_modules/xstate/package.json', import.meta.url))).version;
  console.log(
    `RESULT state_changes_per_s=${Math.round(changes / cpu)} state_changes_per_s_wall=${Math.round(changes / wall)}` +
      ` heap_bytes_per_actor=${Math.round((heap1 - heap0) / opts.park)} lifecycles=${opts.lifecycles}` +
      ` parked=${opts.park} node=${process.version} xstate=${xstateVersion}`,
  );
}

try {
  main();
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
