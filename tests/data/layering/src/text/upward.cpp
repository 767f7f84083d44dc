// Fixture: text is the bottom module.
#include "text/number.hpp"
// #include "cli/commented_out.hpp" (a comment, not an include)
int brackets[2]; const char* semicolons = ";[;]";  // odd characters before the include
#include "engine/fold.hpp"  // wrong: text includes the engine
