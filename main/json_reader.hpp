// Strict reading of hand-written JSON files (the client config, an experiment's spec): `//`
// and `/* */` comments are allowed, a key given twice is an error, and every message names
// the key's full path ("groups[2].churn[0].leave_s") and quotes what was found printably.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/expected.hpp"

namespace actorrent::json_reader {

// Ordered, so that errors come in file order.
using json = nlohmann::ordered_json;

using problem = std::optional<std::string>;  // a message naming the key, or nothing

// The document, or why it is not one: "invalid JSON at line L, column C (byte B): ..." or
// "<path>: key given twice" (the library would silently keep one of the two).
expected<json, std::string> parse(std::string_view text);

// What a value is, for a message: "null", "true", "string \"x\"", "an array", "an object",
// or a number as written. Long strings are cut; any bytes come out as printable UTF-8.
std::string found(const json& v);

// "<path>: expected <expectation>, got <found(v)>".
std::string wrong_value(const std::string& path, const std::string& expectation, const json& v);

// "<path>: unknown key (known: a, b, c)".
std::string unknown_key(const std::string& path, const std::vector<std::string>& known);

// "parent.key", or "key" at the top level.
std::string join_path(const std::string& parent, const std::string& key);

// nullopt when `v` is not an integer within [lo, hi] (negative and fractional numbers are not).
std::optional<std::uint64_t> integer_in(const json& v, std::uint64_t lo, std::uint64_t hi);

// `written` taken relative to `base` when it is relative and `base` is not empty.
std::filesystem::path near(const std::filesystem::path& base, const std::string& written);

}  // namespace actorrent::json_reader
