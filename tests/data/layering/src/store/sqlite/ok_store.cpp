// Fixture: a backend includes its own headers (also bare) and the shared part.
#include "store/sqlite/connection.hpp"
#include "connection.hpp"
#include "store/codec.hpp"
#include "text/number.hpp"
