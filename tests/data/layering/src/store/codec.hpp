// Fixture: the store's shared part.
#pragma once
#include "audit/chain.hpp"
#include "text/number.hpp"
