#include "protocol/bencode_value.hpp"

namespace actorrent {

static void append_string(std::string& out, std::string_view s) {
  out += std::to_string(s.size());
  out += ':';
  out += s;
}

void bencode_append(std::string& out, const bvalue& value) {
  if (value.is_integer()) {
    out += 'i';
    out += std::to_string(value.integer());
    out += 'e';
  } else if (value.is_string()) {
    append_string(out, value.string());
  } else if (value.is_list()) {
    out += 'l';
    for (const auto& item : value.as_list())
      bencode_append(out, item);
    out += 'e';
  } else {
    out += 'd';
    for (const auto& [key, item] : value.as_dict()) {
      append_string(out, key);
      bencode_append(out, item);
    }
    out += 'e';
  }
}

std::string bencode(const bvalue& value) {
  std::string out;
  bencode_append(out, value);
  return out;
}

bvalue to_bvalue(bencode_node node) {
  switch (node.type()) {
    case bencode_type::integer:
      return bvalue(node.integer());
    case bencode_type::string:
      return bvalue(node.string());
    case bencode_type::list: {
      bvalue::list items;
      items.reserve(node.size());
      for (auto item : node)
        items.push_back(to_bvalue(item));
      return bvalue(std::move(items));
    }
    case bencode_type::dict: {
      bvalue::dict items;
      for (auto it = node.begin(), end = node.end(); it != end; ++it) {
        auto key = (*it).string();
        ++it;
        items.emplace(std::string(key), to_bvalue(*it));
      }
      return bvalue(std::move(items));
    }
  }
  return {};
}

}  // namespace actorrent
