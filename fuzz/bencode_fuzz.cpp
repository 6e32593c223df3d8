// Fuzzes bdecode: every accepted document is walked through its node views (type, raw,
// offset, string, integer, size, at, find, iteration) with their invariants checked, then
// re-encoded. Canonical input (no warnings) must re-encode to itself byte for byte, and the
// canonical form of any accepted input must be a fixed point.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.hpp"
#include "protocol/bencode.hpp"
#include "protocol/bencode_value.hpp"

using namespace actorrent;

namespace {

// at() and find() are linear; checking them on every element would make large lists
// quadratic, so only the first few and the last are cross-checked.
constexpr std::size_t checked_elements = 8;

bool within(std::string_view outer, std::string_view inner) {
  return inner.data() >= outer.data() && inner.data() + inner.size() <= outer.data() + outer.size();
}

struct walk_stats {
  std::size_t nodes = 0;
  std::uint32_t max_depth = 0;
};

void walk(std::string_view input, bencode_node node, std::uint32_t depth, walk_stats& stats,
          bool keys_unique) {
  FUZZ_CHECK(node.valid());
  ++stats.nodes;
  const auto raw = node.raw();
  FUZZ_CHECK(!raw.empty());
  FUZZ_CHECK(within(input, raw));
  FUZZ_CHECK(node.offset() == static_cast<std::size_t>(raw.data() - input.data()));

  switch (node.type()) {
    case bencode_type::integer: {
      FUZZ_CHECK(node.is_integer() && !node.is_string() && !node.is_list() && !node.is_dict());
      FUZZ_CHECK(node.string().empty() && node.size() == 0);
      // Leading zeros and -0 are rejected, so an accepted integer is always canonical.
      FUZZ_CHECK(raw == "i" + std::to_string(node.integer()) + "e");
      return;
    }
    case bencode_type::string: {
      FUZZ_CHECK(node.is_string() && !node.is_integer());
      const auto s = node.string();
      FUZZ_CHECK(within(raw, s));
      FUZZ_CHECK(raw == std::to_string(s.size()) + ":" + std::string(s));
      FUZZ_CHECK(node.integer() == 0 && node.size() == 0);
      return;
    }
    case bencode_type::list:
    case bencode_type::dict:
      break;
  }

  ++depth;
  if (depth > stats.max_depth) stats.max_depth = depth;
  FUZZ_CHECK(raw.front() == (node.is_list() ? 'l' : 'd'));
  FUZZ_CHECK(raw.back() == 'e');
  FUZZ_CHECK(node.string().empty() && node.integer() == 0);

  const bool dict = node.is_dict();
  std::size_t count = 0;
  std::size_t end_of_previous = node.offset() + 1;
  bencode_node key;
  for (auto child : node) {
    // Children are contiguous: each starts where the previous one ended.
    FUZZ_CHECK(child.offset() == end_of_previous);
    end_of_previous = child.offset() + child.raw().size();
    walk(input, child, depth, stats, keys_unique);
    const std::size_t index = count++;
    if (!dict) {
      if (index < checked_elements) FUZZ_CHECK(node.at(index).offset() == child.offset());
      continue;
    }
    if (index % 2 == 0) {
      FUZZ_CHECK(child.is_string());
      key = child;
      continue;
    }
    if (index / 2 < checked_elements) {
      auto found = node.find(key.string());
      FUZZ_CHECK(found.valid());
      // With duplicate keys allowed, find() returns the first of them.
      if (keys_unique) {
        FUZZ_CHECK(found.offset() == child.offset());
        FUZZ_CHECK(node.find(key.string(), child.type()).valid());
        const auto other = child.is_string() ? bencode_type::integer : bencode_type::string;
        FUZZ_CHECK(!node.find(key.string(), other).valid());
      } else {
        FUZZ_CHECK(found.offset() <= child.offset());
      }
    }
  }
  FUZZ_CHECK(end_of_previous + 1 == node.offset() + raw.size());
  FUZZ_CHECK(count == (dict ? 2 * node.size() : node.size()));
  if (!dict) {
    if (count > 0) FUZZ_CHECK(node.at(count - 1).valid());
    FUZZ_CHECK(!node.at(count).valid());
  }
}

walk_stats check_document(std::string_view input, const bencode_document& doc, bool keys_unique) {
  FUZZ_CHECK(doc.input().data() == input.data() && doc.input().size() == input.size());
  FUZZ_CHECK(!doc.tokens().empty());
  const auto root = doc.root();
  FUZZ_CHECK(root.raw().data() == input.data() && root.raw().size() == input.size());
  walk_stats stats;
  walk(input, root, 0, stats, keys_unique);
  FUZZ_CHECK(stats.nodes == doc.tokens().size());
  for (const auto& w : doc.warnings()) {
    FUZZ_CHECK(w.code == bdecode_errc::unsorted_keys || w.code == bdecode_errc::duplicate_key);
    FUZZ_CHECK(w.offset < input.size());
  }
  return stats;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  const bdecode_limits defaults;
  auto doc = bdecode(input, defaults);
  if (!doc) {
    FUZZ_CHECK(doc.error().offset <= size);
    FUZZ_CHECK(!doc.error().to_string().empty());
  } else {
    const auto stats = check_document(input, *doc, true);
    FUZZ_CHECK(stats.max_depth <= defaults.max_depth);
    FUZZ_CHECK(doc->tokens().size() <= defaults.max_tokens);
    for (const auto& w : doc->warnings())
      FUZZ_CHECK(w.code == bdecode_errc::unsorted_keys);

    const std::string encoded = bencode(to_bvalue(doc->root()));
    if (doc->warnings().empty()) FUZZ_CHECK(encoded == input);
    // The canonical form decodes cleanly and is its own canonical form.
    auto again = bdecode(encoded);
    FUZZ_CHECK(again.has_value());
    FUZZ_CHECK(again->warnings().empty());
    FUZZ_CHECK(again->tokens().size() == doc->tokens().size());
    FUZZ_CHECK(bencode(to_bvalue(again->root())) == encoded);
  }

  // Strict decoding accepts exactly the canonical documents.
  bdecode_limits strict;
  strict.reject_unsorted_keys = true;
  auto strict_doc = bdecode(input, strict);
  FUZZ_CHECK(strict_doc.has_value() == (doc.has_value() && doc->warnings().empty()));

  // Lenient decoding (duplicates allowed) accepts everything the default accepts.
  bdecode_limits lenient;
  lenient.reject_duplicate_keys = false;
  auto lenient_doc = bdecode(input, lenient);
  if (doc) FUZZ_CHECK(lenient_doc.has_value());
  if (lenient_doc) {
    check_document(input, *lenient_doc, false);
    (void)bencode(to_bvalue(lenient_doc->root()));
  }

  // Tight limits are enforced.
  bdecode_limits tight;
  tight.max_depth = 3;
  tight.max_tokens = 16;
  auto tight_doc = bdecode(input, tight);
  if (tight_doc) {
    const auto stats = check_document(input, *tight_doc, true);
    FUZZ_CHECK(stats.max_depth <= tight.max_depth);
    FUZZ_CHECK(tight_doc->tokens().size() <= tight.max_tokens);
    FUZZ_CHECK(doc.has_value());
  } else if (doc) {
    const auto code = tight_doc.error().code;
    FUZZ_CHECK(code == bdecode_errc::depth_exceeded || code == bdecode_errc::token_limit_exceeded);
  }
  return 0;
}
