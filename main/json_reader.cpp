#include "main/json_reader.hpp"

#include <algorithm>
#include <set>

namespace actorrent::json_reader {

namespace {

// Text may be any bytes; a message quoting it must still be printable UTF-8.
std::string printable(const std::string& s) {
  return json(s).dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string known_list(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names)
    out += (out.empty() ? "" : ", ") + n;
  return out;
}

// A duplicate key is a mistake (which of the two did the user mean?); the JSON library
// would keep one silently, so the parser's callback watches for them, tracking the path.
class duplicate_finder {
 public:
  bool operator()(int, nlohmann::detail::parse_event_t event, json& parsed) {
    using ev = nlohmann::detail::parse_event_t;
    switch (event) {
      case ev::object_start:
        stack_.push_back({false, 0, {}, {}});
        break;
      case ev::array_start:
        stack_.push_back({true, 0, {}, {}});
        break;
      case ev::key:
        if (!stack_.empty()) {
          stack_.back().key = parsed.get<std::string>();
          if (!stack_.back().seen.insert(stack_.back().key).second && !first_)
            first_ = current_path();
        }
        break;
      case ev::object_end:
      case ev::array_end:
        if (!stack_.empty()) stack_.pop_back();
        element_done();
        break;
      case ev::value:
        element_done();
        break;
    }
    return true;
  }

  const problem& first() const { return first_; }

 private:
  struct frame {
    bool array;
    std::size_t index;
    std::string key;
    std::set<std::string> seen;
  };

  void element_done() {
    if (!stack_.empty() && stack_.back().array) ++stack_.back().index;
  }

  std::string current_path() const {
    std::string path;
    for (const auto& f : stack_)
      path = f.array ? path + "[" + std::to_string(f.index) + "]" : join_path(path, f.key);
    return path;
  }

  std::vector<frame> stack_;
  problem first_;
};

std::string syntax_error(std::string_view text, const json::parse_error& e) {
  // e.byte counts from 1 and points at the last character read.
  const std::size_t offset = std::min(e.byte == 0 ? 0 : e.byte - 1, text.size());
  const std::size_t line = 1 + std::count(text.begin(), text.begin() + offset, '\n');
  const std::size_t line_start = text.rfind('\n', offset == 0 ? 0 : offset - 1);
  const std::size_t column =
      offset == 0 ? 1 : offset - (line_start == std::string_view::npos ? 0 : line_start + 1) + 1;
  std::string detail = e.what();
  // The library's own "[json.exception...] parse error at line L, column C: " prefix.
  if (auto at = detail.find("column "); at != std::string::npos) {
    if (auto colon = detail.find(": ", at); colon != std::string::npos)
      detail = detail.substr(colon + 2);
  }
  // The message quotes the bytes last read, which may be anything, e.g. bad UTF-8.
  for (char& ch : detail)
    if (static_cast<unsigned char>(ch) < 0x20 || static_cast<unsigned char>(ch) >= 0x7f) ch = '?';
  return "invalid JSON at line " + std::to_string(line) + ", column " + std::to_string(column) +
         " (byte " + std::to_string(offset) + "): " + detail;
}

}  // namespace

expected<json, std::string> parse(std::string_view text) {
  json root;
  duplicate_finder duplicates;
  try {
    root = json::parse(
        text.begin(), text.end(),
        [&](int depth, nlohmann::detail::parse_event_t event, json& parsed) {
          return duplicates(depth, event, parsed);
        },
        /*allow_exceptions=*/true, /*ignore_comments=*/true);
  } catch (const json::parse_error& e) {
    return make_unexpected(syntax_error(text, e));
  }
  if (const auto& d = duplicates.first()) return make_unexpected(*d + ": key given twice");
  return root;
}

std::string found(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return v.get<bool>() ? "true" : "false";
    case json::value_t::string: {
      std::string s = v.get<std::string>();
      if (s.size() > 60) s = s.substr(0, 60) + "...";
      return "string " + printable(s);
    }
    case json::value_t::array:
      return "an array";
    case json::value_t::object:
      return "an object";
    default:
      return v.dump();  // a number, as written
  }
}

std::string wrong_value(const std::string& path, const std::string& expectation, const json& v) {
  return path + ": expected " + expectation + ", got " + found(v);
}

std::string unknown_key(const std::string& path, const std::vector<std::string>& known) {
  return path + ": unknown key (known: " + known_list(known) + ")";
}

std::string join_path(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

std::optional<std::uint64_t> integer_in(const json& v, std::uint64_t lo, std::uint64_t hi) {
  if (!v.is_number_unsigned()) return std::nullopt;  // negative integers are number_integer
  const auto x = v.get<std::uint64_t>();
  if (x < lo || x > hi) return std::nullopt;
  return x;
}

std::filesystem::path near(const std::filesystem::path& base, const std::string& written) {
  if (base.empty() || written.empty()) return written;
  const std::filesystem::path p(written);
  return p.is_absolute() ? p : (base / p).lexically_normal();
}

}  // namespace actorrent::json_reader
