// Fixture: a text header (no includes).
#pragma once
