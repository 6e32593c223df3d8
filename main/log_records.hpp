// Reading the actor message log (docs/message-log.md): which files a FILE argument stands
// for (its rotated siblings, oldest first), one record per JSON line, and a stream of records
// merged by time across FILE arguments. Records are streamed: nothing here holds a log.
#pragma once

#include <cstdint>
#include <fstream>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace actorrent::msglog {

// An actor as a record names it: {"kind", "id", "torrent", "peer"}.
struct actor_ref {
  bool present = false;  // the record had this actor object
  std::string kind;      // "unknown" when the object has none
  std::uint64_t id = 0;
  std::string torrent;  // info-hash hex, empty when none
  std::string peer;     // remote address, empty when none
};

actor_ref actor_from_json(const nlohmann::json& j);  // absent (present = false) unless an object

// One line of the log. `from`/`to` are a message's ends; `actor`/`parent` an event's.
struct record {
  std::int64_t t = 0;  // µs since the Unix epoch
  std::string event;   // message, spawned, terminated, restarted, wire, or a later one
  std::string type;    // a message's type; a wire record's `what`
  actor_ref from, to, actor, parent;
  nlohmann::json json;     // the whole object
  std::string raw;         // the line as read
  std::size_t source = 0;  // which FILE argument (chain of rotated files) it came from
  std::string file;
  std::size_t line = 0;  // 1-based, within `file`
};

// Parses one line into `out` (json, t, event, type, actors). False with a reason when the line
// is not a JSON object with an integer `t` and a string `event`.
bool parse_record(std::string line, record& out, std::string& error);

// The rotated sibling `index` of a log file, spdlog's way: msgs.jsonl → msgs.1.jsonl; a name
// without an extension gets it appended (msgs → msgs.1). Index 0 is the file itself.
std::string rotated_name(const std::string& path, unsigned index);

// If `path` is a rotated sibling (msgs.3.jsonl), its base (msgs.jsonl) and index (3).
std::optional<std::pair<std::string, unsigned>> rotated_base(const std::string& path);

// What the FILE arguments stand for: one chain of files per source, oldest first. An argument
// brings its existing rotated siblings (msgs.2.jsonl, msgs.1.jsonl, then msgs.jsonl); a sibling
// that is also named (a shell glob) joins its base's chain; a file is read once. False with
// the missing file named when an argument does not exist.
struct log_source {
  std::string name;                // the argument
  std::vector<std::string> files;  // oldest first
};
bool resolve_sources(const std::vector<std::string>& args, std::vector<log_source>& out,
                     std::string& error);

// Called for each malformed line: "FILE:LINE: reason".
using warning_handler = std::function<void(const std::string&)>;

// Reads the records of sources merged by `t` (within a source, in file order), skipping
// malformed lines with one warning each. Holds one pending record per source.
class record_reader {
 public:
  record_reader(std::vector<log_source> sources, warning_handler warn);
  ~record_reader();
  record_reader(const record_reader&) = delete;
  record_reader& operator=(const record_reader&) = delete;

  // The next record by time; false at the end of every source, or when a file cannot be
  // opened (error() then names it).
  bool next(record& out);
  const std::string& error() const { return error_; }
  std::size_t source_count() const { return sources_.size(); }
  std::size_t malformed() const { return malformed_; }

 private:
  struct cursor;
  bool fill(cursor& c);
  std::vector<log_source> sources_;
  std::vector<std::unique_ptr<cursor>> cursors_;
  warning_handler warn_;
  std::string error_;
  std::size_t malformed_ = 0;
  bool started_ = false;
};

// The first valid record's time in a chain of files (for `+SECONDS`), if any.
std::optional<std::int64_t> first_time(const log_source& source);

}  // namespace actorrent::msglog
