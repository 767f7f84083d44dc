// Fixture: the store's shared part uses its own headers and those below.
#include "store/codec.hpp"
#include "audit/chain.hpp"
#include <tierflow/store.hpp>
