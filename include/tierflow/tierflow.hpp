// SPDX-License-Identifier: MIT
// Umbrella header: all of tierflow (definitions, loading, validation, the
// engine, the audit trail, the stores). open_store and the SQLite and
// PostgreSQL stores need tierflow::tierflow (or tierflow::sqlite /
// tierflow::postgres) at link time; the rest tierflow::core.
#pragma once

#include <tierflow/attribute.hpp>
#include <tierflow/audit.hpp>
#include <tierflow/calendar.hpp>
#include <tierflow/catalog.hpp>
#include <tierflow/checkpoint.hpp>
#include <tierflow/clock.hpp>
#include <tierflow/condition.hpp>
#include <tierflow/diagnostic.hpp>
#include <tierflow/dot.hpp>
#include <tierflow/duration.hpp>
#include <tierflow/engine.hpp>
#include <tierflow/error.hpp>
#include <tierflow/event.hpp>
#include <tierflow/event_schema.hpp>
#include <tierflow/kpi.hpp>
#include <tierflow/simulation.hpp>
#include <tierflow/loader.hpp>
#include <tierflow/memory_store.hpp>
#include <tierflow/mutation.hpp>
#include <tierflow/notification.hpp>
#include <tierflow/open_store.hpp>
#include <tierflow/organisation.hpp>
#include <tierflow/postgres_store.hpp>
#include <tierflow/rule_coverage.hpp>
#include <tierflow/scenario.hpp>
#include <tierflow/sqlite_store.hpp>
#include <tierflow/store.hpp>
#include <tierflow/store_options.hpp>
#include <tierflow/testing.hpp>
#include <tierflow/ticket.hpp>
#include <tierflow/time.hpp>
#include <tierflow/trail_summary.hpp>
#include <tierflow/validate.hpp>
#include <tierflow/version.hpp>
#include <tierflow/workflow.hpp>
