// SPDX-License-Identifier: MIT
// Umbrella header: the core of tierflow (definitions, loading, validation,
// the audit trail).
#pragma once

#include <tierflow/attribute.hpp>
#include <tierflow/audit.hpp>
#include <tierflow/calendar.hpp>
#include <tierflow/catalog.hpp>
#include <tierflow/clock.hpp>
#include <tierflow/condition.hpp>
#include <tierflow/diagnostic.hpp>
#include <tierflow/dot.hpp>
#include <tierflow/duration.hpp>
#include <tierflow/engine.hpp>
#include <tierflow/error.hpp>
#include <tierflow/event.hpp>
#include <tierflow/loader.hpp>
#include <tierflow/memory_store.hpp>
#include <tierflow/notification.hpp>
#include <tierflow/organisation.hpp>
#include <tierflow/store.hpp>
#include <tierflow/ticket.hpp>
#include <tierflow/validate.hpp>
#include <tierflow/version.hpp>
#include <tierflow/workflow.hpp>
