// engine_clock is header-only; this file keeps the library non-empty until the first class.
#include "engine/engine_clock.hpp"
