// Fixture: the tool is the top module and may include any module.
#include "engine/fold.hpp"
#include "store/sqlite/connection.hpp"
#include "commands.hpp"
