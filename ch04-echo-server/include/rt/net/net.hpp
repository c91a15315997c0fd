// rt::net in one include: the loop, its timers, streams and listeners, and lines on a stream.
#pragma once

#include "rt/net/errors.hpp"       // IWYU pragma: export
#include "rt/net/line_reader.hpp"  // IWYU pragma: export
#include "rt/net/listener.hpp"     // IWYU pragma: export
#include "rt/net/loop.hpp"         // IWYU pragma: export
#include "rt/net/stream.hpp"       // IWYU pragma: export
#include "rt/net/timer.hpp"        // IWYU pragma: export
