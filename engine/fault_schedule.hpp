// Built-in fault injection, off by default (config section "faults"). A schedule decides,
// for one stream of events (disk writes, tracker responses), which of them fail, so tests and
// experiments can reproduce a fault exactly: event n (counting from 1) fails when
//   n > after, (n - after) is a multiple of `every`, and fewer than `count` have failed.
// every = 0 turns the schedule off; count = 0 means no limit.
#pragma once

#include <cstdint>

namespace actorrent {

struct fault_schedule {
  std::uint64_t every = 0;
  std::uint64_t after = 0;
  std::uint64_t count = 0;

  bool enabled() const { return every != 0; }
};

// Counts the events of one stream against its schedule. Not thread-safe: one per actor.
class fault_counter {
 public:
  explicit fault_counter(fault_schedule schedule = {}) : schedule_(schedule) {}

  // Counts one event; true when that event must fail.
  bool next() {
    if (!schedule_.enabled()) return false;
    ++events_;
    if (events_ <= schedule_.after) return false;
    if ((events_ - schedule_.after) % schedule_.every != 0) return false;
    if (schedule_.count != 0 && failed_ >= schedule_.count) return false;
    ++failed_;
    return true;
  }

  std::uint64_t events() const { return events_; }
  std::uint64_t failed() const { return failed_; }

 private:
  fault_schedule schedule_;
  std::uint64_t events_ = 0;
  std::uint64_t failed_ = 0;
};

}  // namespace actorrent
