// SPDX-License-Identifier: MIT
// The one doctest main shared by every tests/*_test.cpp executable.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
