// Fixture: the engine uses the store, the audit trail and the text helpers.
#include "engine/fold.hpp"
#include "store/codec.hpp"
#include "audit/chain.hpp"
#include "language/messages.hpp"
#include "text/number.hpp"
