#include "protocol/wire_message.hpp"

#include <cassert>
#include <limits>
#include <optional>

namespace actorrent::wire {

namespace {

void store_u32(char* p, std::uint32_t v) {
  p[0] = static_cast<char>(v >> 24);
  p[1] = static_cast<char>(v >> 16);
  p[2] = static_cast<char>(v >> 8);
  p[3] = static_cast<char>(v);
}

void put_u32(std::string& out, std::uint32_t v) {
  char bytes[4];
  store_u32(bytes, v);
  out.append(bytes, 4);
}

void put_u16(std::string& out, std::uint16_t v) {
  const char bytes[2] = {static_cast<char>(v >> 8), static_cast<char>(v)};
  out.append(bytes, 2);
}

std::uint32_t get_u32(const char* p) {
  auto b = [p](int i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(p[i])); };
  return b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3);
}

std::uint16_t get_u16(const char* p) {
  auto b = [p](int i) { return static_cast<std::uint16_t>(static_cast<unsigned char>(p[i])); };
  return static_cast<std::uint16_t>(b(0) << 8 | b(1));
}

// Body bytes after the id; keep-alive has neither id nor body.
struct body_size_of {
  std::size_t operator()(keep_alive) const { return 0; }
  std::size_t operator()(choke) const { return 0; }
  std::size_t operator()(unchoke) const { return 0; }
  std::size_t operator()(interested) const { return 0; }
  std::size_t operator()(not_interested) const { return 0; }
  std::size_t operator()(have_all) const { return 0; }
  std::size_t operator()(have_none) const { return 0; }
  std::size_t operator()(const have&) const { return 4; }
  std::size_t operator()(const suggest_piece&) const { return 4; }
  std::size_t operator()(const allowed_fast&) const { return 4; }
  std::size_t operator()(const request&) const { return 12; }
  std::size_t operator()(const cancel&) const { return 12; }
  std::size_t operator()(const reject_request&) const { return 12; }
  std::size_t operator()(const dht_port&) const { return 2; }
  std::size_t operator()(const bitfield& m) const { return m.bits.size(); }
  std::size_t operator()(const piece& m) const { return 8 + m.block.size(); }
  std::size_t operator()(const extended& m) const { return 1 + m.payload.size(); }
  std::size_t operator()(const unknown& m) const { return m.body.size(); }
};

struct encoder {
  std::string& out;

  void header(std::uint8_t id, std::size_t body_size) {
    assert(body_size < std::numeric_limits<std::uint32_t>::max());
    put_u32(out, static_cast<std::uint32_t>(body_size + 1));
    out.push_back(static_cast<char>(id));
  }
  void header(message_id id, std::size_t body_size) {
    header(static_cast<std::uint8_t>(id), body_size);
  }
  void block_triple(message_id id, std::uint32_t index, std::uint32_t begin, std::uint32_t length) {
    header(id, 12);
    put_u32(out, index);
    put_u32(out, begin);
    put_u32(out, length);
  }
  void index_only(message_id id, std::uint32_t index) {
    header(id, 4);
    put_u32(out, index);
  }

  void operator()(keep_alive) { put_u32(out, 0); }
  void operator()(choke) { header(message_id::choke, 0); }
  void operator()(unchoke) { header(message_id::unchoke, 0); }
  void operator()(interested) { header(message_id::interested, 0); }
  void operator()(not_interested) { header(message_id::not_interested, 0); }
  void operator()(have_all) { header(message_id::have_all, 0); }
  void operator()(have_none) { header(message_id::have_none, 0); }
  void operator()(const have& m) { index_only(message_id::have, m.index); }
  void operator()(const suggest_piece& m) { index_only(message_id::suggest_piece, m.index); }
  void operator()(const allowed_fast& m) { index_only(message_id::allowed_fast, m.index); }
  void operator()(const request& m) {
    block_triple(message_id::request, m.index, m.begin, m.length);
  }
  void operator()(const cancel& m) { block_triple(message_id::cancel, m.index, m.begin, m.length); }
  void operator()(const reject_request& m) {
    block_triple(message_id::reject_request, m.index, m.begin, m.length);
  }
  void operator()(const dht_port& m) {
    header(message_id::port, 2);
    put_u16(out, m.port);
  }
  void operator()(const bitfield& m) {
    header(message_id::bitfield, m.bits.size());
    out.append(m.bits);
  }
  void operator()(const piece& m) {
    header(message_id::piece, 8 + m.block.size());
    put_u32(out, m.index);
    put_u32(out, m.begin);
    out.append(m.block);
  }
  void operator()(const extended& m) {
    header(message_id::extended, 1 + m.payload.size());
    out.push_back(static_cast<char>(m.extended_id));
    out.append(m.payload);
  }
  void operator()(const unknown& m) {
    header(m.id, m.body.size());
    out.append(m.body);
  }
};

// How long a body must be for a known id; an id without a rule is unknown to this codec.
struct body_rule {
  std::string_view name;
  bool exact;  // otherwise `size` is a minimum
  std::size_t size;
};

std::optional<body_rule> body_rule_for(std::uint8_t id) {
  switch (static_cast<message_id>(id)) {
    case message_id::choke:
      return body_rule{"choke", true, 0};
    case message_id::unchoke:
      return body_rule{"unchoke", true, 0};
    case message_id::interested:
      return body_rule{"interested", true, 0};
    case message_id::not_interested:
      return body_rule{"not interested", true, 0};
    case message_id::have_all:
      return body_rule{"have all", true, 0};
    case message_id::have_none:
      return body_rule{"have none", true, 0};
    case message_id::have:
      return body_rule{"have", true, 4};
    case message_id::suggest_piece:
      return body_rule{"suggest piece", true, 4};
    case message_id::allowed_fast:
      return body_rule{"allowed fast", true, 4};
    case message_id::request:
      return body_rule{"request", true, 12};
    case message_id::cancel:
      return body_rule{"cancel", true, 12};
    case message_id::reject_request:
      return body_rule{"reject request", true, 12};
    case message_id::port:
      return body_rule{"port", true, 2};
    case message_id::bitfield:
      return body_rule{"bitfield", false, 0};
    case message_id::piece:
      return body_rule{"piece", false, 8};
    case message_id::extended:
      return body_rule{"extended", false, 1};
  }
  return std::nullopt;
}

wire_error length_error(const body_rule& rule, std::size_t got) {
  std::string text(rule.name);
  text += rule.exact ? ": body must be exactly " : ": body must be at least ";
  text += std::to_string(rule.size);
  text += rule.size == 1 ? " byte, got " : " bytes, got ";
  text += std::to_string(got);
  return {wire_errc::bad_length, std::move(text), 0};
}

}  // namespace

bool operator==(keep_alive, keep_alive) {
  return true;
}
bool operator==(choke, choke) {
  return true;
}
bool operator==(unchoke, unchoke) {
  return true;
}
bool operator==(interested, interested) {
  return true;
}
bool operator==(not_interested, not_interested) {
  return true;
}
bool operator==(have_all, have_all) {
  return true;
}
bool operator==(have_none, have_none) {
  return true;
}
bool operator==(const have& a, const have& b) {
  return a.index == b.index;
}
bool operator==(const suggest_piece& a, const suggest_piece& b) {
  return a.index == b.index;
}
bool operator==(const allowed_fast& a, const allowed_fast& b) {
  return a.index == b.index;
}
bool operator==(const bitfield& a, const bitfield& b) {
  return a.bits == b.bits;
}
bool operator==(const request& a, const request& b) {
  return a.index == b.index && a.begin == b.begin && a.length == b.length;
}
bool operator==(const cancel& a, const cancel& b) {
  return a.index == b.index && a.begin == b.begin && a.length == b.length;
}
bool operator==(const reject_request& a, const reject_request& b) {
  return a.index == b.index && a.begin == b.begin && a.length == b.length;
}
bool operator==(const piece& a, const piece& b) {
  return a.index == b.index && a.begin == b.begin && a.block == b.block;
}
bool operator==(const dht_port& a, const dht_port& b) {
  return a.port == b.port;
}
bool operator==(const extended& a, const extended& b) {
  return a.extended_id == b.extended_id && a.payload == b.payload;
}
bool operator==(const unknown& a, const unknown& b) {
  return a.id == b.id && a.body == b.body;
}

std::size_t encoded_size(const message& m) {
  if (std::holds_alternative<keep_alive>(m)) return 4;
  return 5 + std::visit(body_size_of{}, m);
}

void encode(const message& m, std::string& out) {
  std::visit(encoder{out}, m);
}

std::array<char, piece_header_size> piece_header(std::uint32_t index, std::uint32_t begin,
                                                 std::uint32_t block_length) {
  assert(block_length <= std::numeric_limits<std::uint32_t>::max() - 9);
  std::array<char, piece_header_size> out{};
  store_u32(out.data(), 9 + block_length);
  out[4] = static_cast<char>(message_id::piece);
  store_u32(out.data() + 5, index);
  store_u32(out.data() + 9, begin);
  return out;
}

expected<message, wire_error> decode_message(std::string_view payload) {
  if (payload.empty()) return message{keep_alive{}};
  const auto id = static_cast<std::uint8_t>(payload[0]);
  const std::string_view body = payload.substr(1);
  const auto rule = body_rule_for(id);
  if (!rule) return message{unknown{id, body}};
  if (rule->exact ? body.size() != rule->size : body.size() < rule->size) {
    return make_unexpected(length_error(*rule, body.size()));
  }

  const char* p = body.data();
  switch (static_cast<message_id>(id)) {
    case message_id::choke:
      return message{choke{}};
    case message_id::unchoke:
      return message{unchoke{}};
    case message_id::interested:
      return message{interested{}};
    case message_id::not_interested:
      return message{not_interested{}};
    case message_id::have_all:
      return message{have_all{}};
    case message_id::have_none:
      return message{have_none{}};
    case message_id::have:
      return message{have{get_u32(p)}};
    case message_id::suggest_piece:
      return message{suggest_piece{get_u32(p)}};
    case message_id::allowed_fast:
      return message{allowed_fast{get_u32(p)}};
    case message_id::request:
      return message{request{get_u32(p), get_u32(p + 4), get_u32(p + 8)}};
    case message_id::cancel:
      return message{cancel{get_u32(p), get_u32(p + 4), get_u32(p + 8)}};
    case message_id::reject_request:
      return message{reject_request{get_u32(p), get_u32(p + 4), get_u32(p + 8)}};
    case message_id::port:
      return message{dht_port{get_u16(p)}};
    case message_id::bitfield:
      return message{bitfield{body}};
    case message_id::piece:
      return message{piece{get_u32(p), get_u32(p + 4), body.substr(8)}};
    case message_id::extended:
      return message{extended{static_cast<std::uint8_t>(p[0]), body.substr(1)}};
  }
  return message{unknown{id, body}};  // unreachable: body_rule_for() knows the same ids
}

namespace {

std::string bytes_note(std::size_t n) {
  return " (" + std::to_string(n) + " bytes)";
}

struct describer {
  std::string operator()(keep_alive) const { return "keep-alive"; }
  std::string operator()(choke) const { return "choke"; }
  std::string operator()(unchoke) const { return "unchoke"; }
  std::string operator()(interested) const { return "interested"; }
  std::string operator()(not_interested) const { return "not interested"; }
  std::string operator()(have_all) const { return "have all"; }
  std::string operator()(have_none) const { return "have none"; }
  std::string operator()(const have& m) const { return "have " + std::to_string(m.index); }
  std::string operator()(const suggest_piece& m) const {
    return "suggest piece " + std::to_string(m.index);
  }
  std::string operator()(const allowed_fast& m) const {
    return "allowed fast " + std::to_string(m.index);
  }
  static std::string triple(const char* name, std::uint32_t i, std::uint32_t b, std::uint32_t l) {
    return std::string(name) + ' ' + std::to_string(i) + ' ' + std::to_string(b) + ' ' +
           std::to_string(l);
  }
  std::string operator()(const request& m) const {
    return triple("request", m.index, m.begin, m.length);
  }
  std::string operator()(const cancel& m) const {
    return triple("cancel", m.index, m.begin, m.length);
  }
  std::string operator()(const reject_request& m) const {
    return triple("reject request", m.index, m.begin, m.length);
  }
  std::string operator()(const dht_port& m) const { return "port " + std::to_string(m.port); }
  std::string operator()(const bitfield& m) const { return "bitfield" + bytes_note(m.bits.size()); }
  std::string operator()(const piece& m) const {
    return "piece " + std::to_string(m.index) + ' ' + std::to_string(m.begin) +
           bytes_note(m.block.size());
  }
  std::string operator()(const extended& m) const {
    return "extended " + std::to_string(m.extended_id) + bytes_note(m.payload.size());
  }
  std::string operator()(const unknown& m) const {
    return "unknown id " + std::to_string(m.id) + bytes_note(m.body.size());
  }
};

}  // namespace

std::string to_string(const message& m) {
  return std::visit(describer{}, m);
}

}  // namespace actorrent::wire
