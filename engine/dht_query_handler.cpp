#include "engine/dht_query_handler.hpp"

#include <algorithm>
#include <variant>

namespace actorrent {

namespace {

krpc_message error_reply(const krpc_message& query, krpc_error_code code, std::string text) {
  krpc_message out;
  out.transaction_id = query.transaction_id;
  out.body = krpc_error{static_cast<std::int64_t>(code), std::move(text)};
  out.version = dht_client_version();
  return out;
}

}  // namespace

const std::string& dht_client_version() {
  static const std::string v{'A', 'R', 0, 1};
  return v;
}

std::vector<dht_contact> nodes_for_reply(const dht_routing_table& table, const dht_node_id& target,
                                         std::size_t k, engine_clock::time_point now) {
  auto out = table.closest(target, k, now, true);
  if (out.size() >= k) return out;
  for (auto& c : table.closest(target, k, now, false)) {
    if (out.size() >= k) break;
    if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(std::move(c));
  }
  std::sort(out.begin(), out.end(), [&](const dht_contact& a, const dht_contact& b) {
    return closer_to(target, a.id, b.id);
  });
  return out;
}

dht_answer answer_query(const krpc_message& query, const peer_address& from, dht_node_parts parts,
                        engine_clock::time_point now) {
  const auto& q = query.query();
  const auto& own = parts.table.own_id();
  if (from.port != 0) parts.table.heard_from(dht_contact{sender_id(q), from}, false, now);

  dht_answer out;
  krpc_response r;
  r.id = own;
  std::visit(
      [&](const auto& args) {
        using T = std::decay_t<decltype(args)>;
        if constexpr (std::is_same_v<T, find_node_query>) {
          for (auto& c : nodes_for_reply(parts.table, args.target, parts.k, now))
            (c.address.v6 ? r.nodes6 : r.nodes).push_back(std::move(c));
        } else if constexpr (std::is_same_v<T, get_peers_query>) {
          r.token = parts.tokens.issue(from, now);
          r.values = parts.store.peers_for(args.info_hash, from.v6, now);
          for (auto& c : nodes_for_reply(parts.table, args.info_hash, parts.k, now))
            (c.address.v6 ? r.nodes6 : r.nodes).push_back(std::move(c));
        } else if constexpr (std::is_same_v<T, announce_peer_query>) {
          if (!parts.tokens.accept(args.token, from, now)) {
            out.refused =
                "announce_peer with a token we did not give this address (or one "
                "older than 10 minutes)";
            out.reply = error_reply(query, krpc_error_code::protocol, "bad token");
            return;
          }
          peer_address peer = from;
          if (!args.implied_port) peer.port = args.port;
          if (peer.port == 0) {
            out.refused = "announce_peer of port 0";
            out.reply = error_reply(query, krpc_error_code::protocol, "port 0");
            return;
          }
          if (parts.store.announce(args.info_hash, peer, now) ==
              dht_peer_store::announce_result::refused) {
            out.refused = "announce_peer refused: the peer store is full";
            out.reply = error_reply(query, krpc_error_code::server, "peer store full");
            return;
          }
          out.announced = peer;
        }
      },
      q);
  if (out.refused) return out;
  out.reply.transaction_id = query.transaction_id;
  out.reply.body = std::move(r);
  out.reply.version = dht_client_version();
  out.reply.ip = from;
  return out;
}

}  // namespace actorrent
