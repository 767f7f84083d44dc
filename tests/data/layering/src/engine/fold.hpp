// Fixture: an engine header.
#pragma once
#include "store/codec.hpp"
