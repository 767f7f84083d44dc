// Fixture: a SQLite backend header.
#pragma once
#include "store/codec.hpp"
