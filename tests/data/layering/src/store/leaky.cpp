// Fixture: the shared part is in tierflow::core and must not know a backend.
#include "store/codec.hpp"
#include "store/sqlite/connection.hpp"  // wrong: shared store code includes a backend
