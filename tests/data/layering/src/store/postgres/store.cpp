// Fixture: the backends do not know each other, however the path is spelled.
#include "store/codec.hpp"
#include "store/sqlite/connection.hpp"  // wrong: postgres includes sqlite
#include "../sqlite/connection.hpp"  // wrong: the same, through a relative path
