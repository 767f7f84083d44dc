// Fixture: an angled include of a module above is still an include.
#include <tierflow/error.hpp>
#include "text/number.hpp"
#include <store/codec.hpp>  // wrong: audit includes the store
