#include "protocol/krpc.hpp"

#include <cctype>

#include "protocol/bencode.hpp"
#include "protocol/bencode_value.hpp"

namespace actorrent {

void append_compact_node(const dht_contact& node, std::string& out) {
  out.append(node.id.view());
  append_compact(node.address, out);
}

static std::optional<std::vector<dht_contact>> parse_compact_nodes(std::string_view bytes,
                                                                   bool v6) {
  const std::size_t entry = v6 ? compact_node_v6_size : compact_node_v4_size;
  if (bytes.size() % entry != 0) return std::nullopt;
  std::vector<dht_contact> nodes;
  nodes.reserve(bytes.size() / entry);
  for (std::size_t off = 0; off < bytes.size(); off += entry) {
    const auto addresses = v6 ? parse_compact_v6(bytes.substr(off + 20, entry - 20))
                              : parse_compact_v4(bytes.substr(off + 20, entry - 20));
    nodes.push_back({sha1_hash::from_bytes(bytes.substr(off, 20)), addresses->front()});
  }
  return nodes;
}

std::optional<std::vector<dht_contact>> parse_compact_nodes_v4(std::string_view bytes) {
  return parse_compact_nodes(bytes, false);
}

std::optional<std::vector<dht_contact>> parse_compact_nodes_v6(std::string_view bytes) {
  return parse_compact_nodes(bytes, true);
}

const char* to_string(krpc_method method) {
  switch (method) {
    case krpc_method::ping:
      return "ping";
    case krpc_method::find_node:
      return "find_node";
    case krpc_method::get_peers:
      return "get_peers";
    case krpc_method::announce_peer:
      return "announce_peer";
  }
  return "?";
}

krpc_method method_of(const krpc_query& query) {
  return static_cast<krpc_method>(query.index());  // the variant lists them in enum order
}

const sha1_hash& sender_id(const krpc_query& query) {
  return std::visit([](const auto& q) -> const sha1_hash& { return q.id; }, query);
}

// --- Encoding ---------------------------------------------------------------------------------

namespace {

bvalue::dict query_arguments(const krpc_query& query) {
  bvalue::dict a;
  a["id"] = bvalue(sender_id(query).view());
  if (auto* q = std::get_if<find_node_query>(&query)) a["target"] = bvalue(q->target.view());
  if (auto* q = std::get_if<get_peers_query>(&query)) a["info_hash"] = bvalue(q->info_hash.view());
  if (auto* q = std::get_if<announce_peer_query>(&query)) {
    a["info_hash"] = bvalue(q->info_hash.view());
    a["port"] = bvalue(std::int64_t{q->port});
    a["token"] = bvalue(q->token);
    if (q->implied_port) a["implied_port"] = bvalue(1);
  }
  return a;
}

bvalue::dict response_values(const krpc_response& r) {
  bvalue::dict d;
  d["id"] = bvalue(r.id.view());
  std::string nodes, nodes6;
  for (const auto* list : {&r.nodes, &r.nodes6})
    for (const auto& n : *list)
      append_compact_node(n, n.address.v6 ? nodes6 : nodes);
  if (!nodes.empty()) d["nodes"] = bvalue(std::move(nodes));
  if (!nodes6.empty()) d["nodes6"] = bvalue(std::move(nodes6));
  if (!r.values.empty()) {
    bvalue::list values;
    for (const auto& p : r.values) {
      std::string compact;
      append_compact(p, compact);
      values.emplace_back(std::move(compact));
    }
    d["values"] = bvalue(std::move(values));
  }
  if (r.token) d["token"] = bvalue(*r.token);
  return d;
}

}  // namespace

std::string encode(const krpc_message& message) {
  bvalue::dict top;
  top["t"] = bvalue(message.transaction_id);
  if (message.version) top["v"] = bvalue(*message.version);
  if (message.ip) {
    std::string compact;
    append_compact(*message.ip, compact);
    top["ip"] = bvalue(std::move(compact));
  }
  if (auto* q = std::get_if<krpc_query>(&message.body)) {
    top["y"] = bvalue("q");
    top["q"] = bvalue(to_string(method_of(*q)));
    top["a"] = bvalue(query_arguments(*q));
  } else if (auto* r = std::get_if<krpc_response>(&message.body)) {
    top["y"] = bvalue("r");
    top["r"] = bvalue(response_values(*r));
  } else {
    const auto& e = std::get<krpc_error>(message.body);
    top["y"] = bvalue("e");
    top["e"] = bvalue(bvalue::list{bvalue(e.code), bvalue(e.message)});
  }
  return bencode(bvalue(std::move(top)));
}

// --- Decoding ---------------------------------------------------------------------------------

std::string krpc_decode_error::to_string() const {
  return message + " at byte " + std::to_string(offset);
}

krpc_message krpc_decode_error::reply() const {
  krpc_message m;
  m.transaction_id = transaction_id.value_or(std::string{});
  m.body = krpc_error{static_cast<std::int64_t>(reply_code), message};
  return m;
}

namespace {

// What a lenient walk over the top-level dictionary could read before the first problem.
struct envelope {
  std::optional<std::string> transaction_id;
  char type = 0;
};

// Reads "t" and "y" from bytes that are not (or not entirely) valid bencode: a truncated
// datagram usually still holds them, and a query's sender deserves an answer. Only top-level
// keys are looked at; values are skipped with a depth bound; any oddity ends the walk.
class envelope_scanner {
 public:
  envelope_scanner(std::string_view in, const krpc_limits& limits) : in_(in), limits_(limits) {}

  envelope scan() {
    envelope env;
    if (in_.empty() || in_[0] != 'd') return env;
    pos_ = 1;
    while (pos_ < in_.size() && in_[pos_] != 'e') {
      auto key = read_string();
      if (!key) break;
      if (*key == "t" || *key == "y") {
        auto value = read_string();
        if (!value) break;
        if (*key == "t" && value->size() <= limits_.max_transaction_id)
          env.transaction_id = std::string(*value);
        if (*key == "y" && value->size() == 1) env.type = (*value)[0];
      } else if (!skip_item(0)) {
        break;
      }
    }
    return env;
  }

 private:
  std::optional<std::string_view> read_string() {
    std::size_t len = 0, digits = 0;
    while (pos_ < in_.size() && std::isdigit(static_cast<unsigned char>(in_[pos_]))) {
      if (++digits > 5) return std::nullopt;  // nothing in a 1500-byte datagram needs more
      len = len * 10 + static_cast<std::size_t>(in_[pos_++] - '0');
    }
    if (digits == 0 || pos_ >= in_.size() || in_[pos_] != ':') return std::nullopt;
    ++pos_;
    if (len > in_.size() - pos_) return std::nullopt;
    auto s = in_.substr(pos_, len);
    pos_ += len;
    return s;
  }

  bool skip_item(std::uint32_t depth) {
    if (pos_ >= in_.size() || depth > limits_.max_depth) return false;
    const char c = in_[pos_];
    if (c == 'i') {
      const auto end = in_.find('e', pos_);
      if (end == std::string_view::npos) return false;
      pos_ = end + 1;
      return true;
    }
    if (c == 'l' || c == 'd') {
      ++pos_;
      while (pos_ < in_.size() && in_[pos_] != 'e')
        if (!skip_item(depth + 1)) return false;
      if (pos_ >= in_.size()) return false;
      ++pos_;
      return true;
    }
    return read_string().has_value();
  }

  std::string_view in_;
  const krpc_limits& limits_;
  std::size_t pos_ = 0;
};

// Printable method names are quoted in errors; anything else is described by its length.
std::string describe_name(std::string_view name) {
  bool printable = name.size() <= 32;
  for (char c : name)
    printable = printable && std::isprint(static_cast<unsigned char>(c));
  if (printable) return "'" + std::string(name) + "'";
  return "of " + std::to_string(name.size()) + " bytes";
}

class krpc_decoder {
 public:
  krpc_decoder(std::string_view in, const krpc_limits& limits) : in_(in), limits_(limits) {}

  expected<krpc_message, krpc_decode_error> run() {
    if (in_.size() > limits_.max_message_size)
      return fail(limits_.max_message_size, "message of " + std::to_string(in_.size()) +
                                                " bytes exceeds the limit of " +
                                                std::to_string(limits_.max_message_size));
    bdecode_limits bl;
    bl.max_depth = limits_.max_depth;
    bl.max_tokens = limits_.max_bencode_tokens;
    auto doc = bdecode(in_, bl);
    if (!doc)
      return fail(doc.error().offset, std::string("bencode: ") + to_string(doc.error().code));
    const bencode_node root = doc->root();
    if (!root.is_dict()) return fail(0, "message is not a dictionary");

    // The envelope first, so that every later error can be answered.
    const auto t = root.find("t");
    if (!t.valid()) return fail(0, "t: missing");
    if (!t.is_string()) return fail(t.offset(), "t: not a string");
    if (t.string().size() > limits_.max_transaction_id)
      return fail(t.offset(), "t: " + std::to_string(t.string().size()) +
                                  " bytes exceeds the limit of " +
                                  std::to_string(limits_.max_transaction_id));
    msg_.transaction_id = std::string(t.string());
    env_.transaction_id = msg_.transaction_id;

    const auto y = root.find("y");
    if (!y.valid()) return fail(0, "y: missing");
    if (!y.is_string() || y.string().size() != 1 ||
        std::string_view("qre").find(y.string()[0]) == std::string_view::npos)
      return fail(y.offset(), "y: not one of \"q\", \"r\", \"e\"");
    env_.type = y.string()[0];

    if (const auto v = root.find("v"); v.is_string() && v.string().size() <= limits_.max_version)
      msg_.version = std::string(v.string());  // informational: ignored when odd, never refused

    if (const auto ip = root.find("ip"); ip.valid()) {
      if (!ip.is_string()) return fail(ip.offset(), "ip: not a string");
      auto parsed = ip.string().size() == compact_v4_size   ? parse_compact_v4(ip.string())
                    : ip.string().size() == compact_v6_size ? parse_compact_v6(ip.string())
                                                            : std::nullopt;
      if (!parsed)
        return fail(ip.offset(), "ip: " + std::to_string(ip.string().size()) +
                                     " bytes, expected 6 (IPv4) or 18 (IPv6)");
      msg_.ip = parsed->front();
    }

    bool ok = env_.type == 'q'   ? decode_query(root)
              : env_.type == 'r' ? decode_response(root)
                                 : decode_error(root);
    if (!ok) return make_unexpected(std::move(error_));
    return std::move(msg_);
  }

 private:
  unexpected<krpc_decode_error> fail(std::size_t offset, std::string message,
                                     krpc_error_code code = krpc_error_code::protocol) {
    set_error(offset, std::move(message), code);
    return make_unexpected(std::move(error_));
  }

  bool set_error(std::size_t offset, std::string message,
                 krpc_error_code code = krpc_error_code::protocol) {
    error_.message = std::move(message);
    error_.offset = offset;
    error_.reply_code = code;
    error_.transaction_id = env_.transaction_id;
    error_.message_type = env_.type;
    if (!env_.transaction_id && env_.type == 0) {
      // Not even the envelope decoded: read what a lenient scan can.
      const auto scanned = envelope_scanner(in_, limits_).scan();
      error_.transaction_id = scanned.transaction_id;
      error_.message_type = scanned.type;
    }
    return false;
  }

  // A dictionary under `key` in `parent`, named `name` in errors.
  bool require_dict(bencode_node parent, std::string_view key, bencode_node& out) {
    out = parent.find(key);
    if (!out.valid()) return set_error(parent.offset(), std::string(key) + ": missing");
    if (!out.is_dict()) return set_error(out.offset(), std::string(key) + ": not a dictionary");
    return true;
  }

  bool require_id(bencode_node dict, std::string_view dict_name, std::string_view key,
                  sha1_hash& out) {
    const auto name = std::string(dict_name) + "." + std::string(key);
    const auto node = dict.find(key);
    if (!node.valid()) return set_error(dict.offset(), name + ": missing");
    if (!node.is_string()) return set_error(node.offset(), name + ": not a string");
    if (node.string().size() != sha1_hash::size)
      return set_error(node.offset(),
                       name + ": " + std::to_string(node.string().size()) + " bytes, expected 20");
    out = sha1_hash::from_bytes(node.string());
    return true;
  }

  bool optional_token(bencode_node dict, std::string_view name, std::optional<std::string>& out) {
    const auto node = dict.find("token");
    if (!node.valid()) return true;
    if (!node.is_string()) return set_error(node.offset(), std::string(name) + ": not a string");
    if (node.string().empty()) return set_error(node.offset(), std::string(name) + ": empty");
    if (node.string().size() > limits_.max_token)
      return set_error(node.offset(),
                       std::string(name) + ": " + std::to_string(node.string().size()) +
                           " bytes exceeds the limit of " + std::to_string(limits_.max_token));
    out = std::string(node.string());
    return true;
  }

  bool decode_query(bencode_node root) {
    const auto q = root.find("q");
    if (!q.valid()) return set_error(0, "q: missing");
    if (!q.is_string()) return set_error(q.offset(), "q: not a string");
    bencode_node a;
    if (!require_dict(root, "a", a)) return false;
    const std::string_view method = q.string();
    if (method == "ping") {
      ping_query p;
      if (!require_id(a, "a", "id", p.id)) return false;
      msg_.body = krpc_query{p};
    } else if (method == "find_node") {
      find_node_query f;
      if (!require_id(a, "a", "id", f.id) || !require_id(a, "a", "target", f.target)) return false;
      msg_.body = krpc_query{f};
    } else if (method == "get_peers") {
      get_peers_query g;
      if (!require_id(a, "a", "id", g.id) || !require_id(a, "a", "info_hash", g.info_hash))
        return false;
      msg_.body = krpc_query{g};
    } else if (method == "announce_peer") {
      announce_peer_query ap;
      if (!require_id(a, "a", "id", ap.id) || !require_id(a, "a", "info_hash", ap.info_hash))
        return false;
      if (const auto implied = a.find("implied_port"); implied.valid()) {
        if (!implied.is_integer())
          return set_error(implied.offset(), "a.implied_port: not an integer");
        ap.implied_port = implied.integer() != 0;
      }
      const auto port = a.find("port");
      if (!port.valid()) {
        // With implied_port the source port is used, so "port" may be left out.
        if (!ap.implied_port) return set_error(a.offset(), "a.port: missing");
      } else if (!port.is_integer()) {
        return set_error(port.offset(), "a.port: not an integer");
      } else if (port.integer() < 0 || port.integer() > 65535) {
        return set_error(port.offset(), "a.port: " + std::to_string(port.integer()) +
                                            " out of range (0 to 65535)");
      } else {
        ap.port = static_cast<std::uint16_t>(port.integer());
      }
      if (!ap.implied_port && ap.port == 0) return set_error(port.offset(), "a.port: 0");
      std::optional<std::string> token;
      if (!optional_token(a, "a.token", token)) return false;
      if (!token) return set_error(a.offset(), "a.token: missing");
      ap.token = std::move(*token);
      msg_.body = krpc_query{std::move(ap)};
    } else {
      return set_error(q.offset(), "q: unknown method " + describe_name(method),
                       krpc_error_code::method_unknown);
    }
    return true;
  }

  bool decode_nodes(bencode_node r, std::string_view key, bool v6, std::vector<dht_contact>& out) {
    const auto node = r.find(key);
    if (!node.valid()) return true;
    const auto name = "r." + std::string(key);
    if (!node.is_string()) return set_error(node.offset(), name + ": not a string");
    const std::size_t entry = v6 ? compact_node_v6_size : compact_node_v4_size;
    const auto bytes = node.string();
    if (bytes.size() % entry != 0)
      return set_error(node.offset(), name + ": " + std::to_string(bytes.size()) +
                                          " bytes, not a multiple of " + std::to_string(entry));
    if (bytes.size() / entry > limits_.max_nodes)
      return set_error(node.offset(), name + ": " + std::to_string(bytes.size() / entry) +
                                          " nodes exceed the limit of " +
                                          std::to_string(limits_.max_nodes));
    out = *parse_compact_nodes(bytes, v6);
    return true;
  }

  bool decode_response(bencode_node root) {
    bencode_node r;
    if (!require_dict(root, "r", r)) return false;
    krpc_response resp;
    if (!require_id(r, "r", "id", resp.id)) return false;
    if (!decode_nodes(r, "nodes", false, resp.nodes)) return false;
    if (!decode_nodes(r, "nodes6", true, resp.nodes6)) return false;
    if (const auto values = r.find("values"); values.valid()) {
      if (!values.is_list()) return set_error(values.offset(), "r.values: not a list");
      if (values.size() > limits_.max_values)
        return set_error(values.offset(), "r.values: " + std::to_string(values.size()) +
                                              " entries exceed the limit of " +
                                              std::to_string(limits_.max_values));
      std::size_t i = 0;
      for (const auto value : values) {
        const auto name = "r.values[" + std::to_string(i++) + "]";
        if (!value.is_string()) return set_error(value.offset(), name + ": not a string");
        const auto bytes = value.string();
        auto peer = bytes.size() == compact_v4_size   ? parse_compact_v4(bytes)
                    : bytes.size() == compact_v6_size ? parse_compact_v6(bytes)
                                                      : std::nullopt;
        if (!peer)
          return set_error(value.offset(), name + ": " + std::to_string(bytes.size()) +
                                               " bytes, expected 6 (IPv4) or 18 (IPv6)");
        resp.values.push_back(peer->front());
      }
    }
    if (!optional_token(r, "r.token", resp.token)) return false;
    msg_.body = std::move(resp);
    return true;
  }

  bool decode_error(bencode_node root) {
    const auto e = root.find("e");
    if (!e.valid()) return set_error(0, "e: missing");
    if (!e.is_list()) return set_error(e.offset(), "e: not a list");
    const auto code = e.at(0);
    if (!code.is_integer())
      return set_error(code.valid() ? code.offset() : e.offset(), "e[0]: not an integer code");
    krpc_error err;
    err.code = code.integer();
    // The message is for humans: tolerated when absent, refused when not a string.
    if (const auto text = e.at(1); text.valid()) {
      if (!text.is_string()) return set_error(text.offset(), "e[1]: not a string");
      err.message = std::string(text.string());
    }
    msg_.body = std::move(err);
    return true;
  }

  std::string_view in_;
  const krpc_limits& limits_;
  krpc_message msg_;
  envelope env_;
  krpc_decode_error error_;
};

}  // namespace

expected<krpc_message, krpc_decode_error> decode_krpc(std::string_view datagram,
                                                      const krpc_limits& limits) {
  return krpc_decoder(datagram, limits).run();
}

}  // namespace actorrent
