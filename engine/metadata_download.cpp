#include "engine/metadata_download.hpp"

#include <algorithm>

namespace actorrent {

const char* to_string(metadata_piece_status s) {
  switch (s) {
    case metadata_piece_status::accepted:
      return "accepted";
    case metadata_piece_status::verified:
      return "verified";
    case metadata_piece_status::hash_mismatch:
      return "hash mismatch";
    case metadata_piece_status::unrequested:
      return "not requested from this peer";
    case metadata_piece_status::wrong_total_size:
      return "wrong total_size";
    case metadata_piece_status::wrong_length:
      return "wrong piece length or index";
    case metadata_piece_status::already_complete:
      return "metadata already complete";
  }
  return "unknown";
}

expected<metadata_download, metadata_download_error> metadata_download::create(
    const sha1_hash& info_hash, std::int64_t metadata_size,
    const metadata_download_config& config) {
  if (metadata_size < 1) {
    return make_unexpected(metadata_download_error{
        "metadata_size " + std::to_string(metadata_size) + " is not a positive size"});
  }
  if (metadata_size > config.max_metadata_size) {
    return make_unexpected(metadata_download_error{
        "metadata_size " + std::to_string(metadata_size) + " exceeds the limit of " +
        std::to_string(config.max_metadata_size) + " bytes"});
  }
  return metadata_download(info_hash, metadata_size, config);
}

metadata_download::metadata_download(const sha1_hash& info_hash, std::int64_t size,
                                     const metadata_download_config& config)
    : info_hash_(info_hash),
      size_(size),
      config_(config),
      buffer_(static_cast<std::size_t>(size), '\0'),
      pieces_(metadata_piece_count(size)) {}

metadata_download::request_record* metadata_download::find_request(piece_state& p, peer_key peer) {
  for (auto& r : p.requests) {
    if (r.peer == peer) return &r;
  }
  return nullptr;
}

std::size_t metadata_download::live_requests(peer_key peer) const {
  std::size_t n = 0;
  for (const auto& p : pieces_) {
    for (const auto& r : p.requests)
      n += r.peer == peer && !r.expired ? 1 : 0;
  }
  return n;
}

bool metadata_download::asked_of_anyone_live(const piece_state& p) const {
  return std::any_of(p.requests.begin(), p.requests.end(),
                     [](const request_record& r) { return !r.expired; });
}

std::optional<std::uint32_t> metadata_download::next_request(peer_key peer,
                                                             engine_clock::time_point now) {
  if (verified_ || is_banned(peer)) return std::nullopt;
  expire(now);
  if (live_requests(peer) >= config_.max_requests_per_peer) return std::nullopt;
  auto backed_off = [&](const piece_state& p) {
    return std::any_of(p.rejected_by.begin(), p.rejected_by.end(),
                       [&](const backoff& b) { return b.peer == peer && now < b.until; });
  };
  // First a piece this peer was never asked for; then one its own request expired on (the
  // answer may have been lost, and it may be the only peer there is).
  for (int pass = 0; pass < 2; ++pass) {
    for (std::uint32_t i = 0; i < pieces_.size(); ++i) {
      auto& p = pieces_[i];
      if (p.received || asked_of_anyone_live(p) || backed_off(p)) continue;
      request_record* mine = find_request(p, peer);
      if ((pass == 0) != (mine == nullptr)) continue;
      if (mine) {
        *mine = {peer, now, false};
      } else {
        p.requests.push_back({peer, now, false});
      }
      return i;
    }
  }
  return std::nullopt;
}

std::vector<std::pair<peer_key, std::uint32_t>> metadata_download::expire(
    engine_clock::time_point now) {
  std::vector<std::pair<peer_key, std::uint32_t>> out;
  for (std::uint32_t i = 0; i < pieces_.size(); ++i) {
    for (auto& r : pieces_[i].requests) {
      if (!r.expired && now - r.since >= config_.request_timeout) {
        r.expired = true;
        out.emplace_back(r.peer, i);
      }
    }
  }
  return out;
}

metadata_arrival metadata_download::data_received(peer_key peer, std::uint32_t piece,
                                                  std::int64_t total_size, std::string_view bytes) {
  metadata_arrival result;
  if (verified_) {
    result.status = metadata_piece_status::already_complete;
    return result;
  }
  if (piece >= pieces_.size()) {
    result.status = metadata_piece_status::wrong_length;
    return result;
  }
  auto& p = pieces_[piece];
  request_record* r = find_request(p, peer);
  if (p.received || r == nullptr) {
    result.status = metadata_piece_status::unrequested;
    return result;
  }
  auto withdraw = [&] { p.requests.erase(p.requests.begin() + (r - p.requests.data())); };
  if (total_size != size_) {
    withdraw();
    result.status = metadata_piece_status::wrong_total_size;
    return result;
  }
  if (static_cast<std::int64_t>(bytes.size()) != metadata_piece_length(size_, piece)) {
    withdraw();
    result.status = metadata_piece_status::wrong_length;
    return result;
  }
  std::copy(
      bytes.begin(), bytes.end(),
      buffer_.begin() + static_cast<std::ptrdiff_t>(std::int64_t{piece} * metadata_piece_size));
  p.received = true;
  p.from = peer;
  p.requests.clear();  // anyone else asked had expired; their late answers are now unrequested
  ++received_count_;
  if (received_count_ < pieces_.size()) {
    result.status = metadata_piece_status::accepted;
    return result;
  }
  return verify();
}

metadata_arrival metadata_download::verify() {
  metadata_arrival result;
  if (sha1(buffer_) == info_hash_) {
    verified_ = true;
    pieces_.clear();
    pieces_.shrink_to_fit();
    result.status = metadata_piece_status::verified;
    return result;
  }
  result.status = metadata_piece_status::hash_mismatch;
  for (const auto& p : pieces_) {
    if (std::find(result.contributors.begin(), result.contributors.end(), p.from) ==
        result.contributors.end())
      result.contributors.push_back(p.from);
  }
  // One peer sent every byte of a buffer that does not hash to the info-hash: proof.
  result.sole_contributor = result.contributors.size() == 1;
  if (result.sole_contributor) banned_.insert(result.contributors.front());
  ++hash_failures_;
  for (auto& p : pieces_) {
    p.received = false;
    p.from = 0;
    p.requests.clear();
  }
  received_count_ = 0;
  return result;
}

bool metadata_download::rejected(peer_key peer, std::uint32_t piece, engine_clock::time_point now) {
  if (verified_ || piece >= pieces_.size()) return false;
  auto& p = pieces_[piece];
  request_record* r = find_request(p, peer);
  if (r == nullptr) return false;
  p.requests.erase(p.requests.begin() + (r - p.requests.data()));
  auto it = std::find_if(p.rejected_by.begin(), p.rejected_by.end(),
                         [&](const backoff& b) { return b.peer == peer; });
  if (it != p.rejected_by.end()) {
    it->until = now + config_.reject_backoff;
  } else {
    p.rejected_by.push_back({peer, now + config_.reject_backoff});
  }
  return true;
}

std::vector<std::uint32_t> metadata_download::peer_left(peer_key peer) {
  std::vector<std::uint32_t> returned;
  for (std::uint32_t i = 0; i < pieces_.size(); ++i) {
    auto& reqs = pieces_[i].requests;
    auto it = std::find_if(reqs.begin(), reqs.end(),
                           [&](const request_record& r) { return r.peer == peer; });
    if (it == reqs.end()) continue;
    if (!it->expired) returned.push_back(i);
    reqs.erase(it);
  }
  return returned;
}

std::vector<std::uint32_t> metadata_download::requests_of(peer_key peer) const {
  std::vector<std::uint32_t> out;
  for (std::uint32_t i = 0; i < pieces_.size(); ++i) {
    for (const auto& r : pieces_[i].requests) {
      if (r.peer == peer && !r.expired) out.push_back(i);
    }
  }
  return out;
}

std::optional<std::string_view> metadata_download::metadata() const {
  if (!verified_ || taken_) return std::nullopt;
  return std::string_view(buffer_);
}

std::string metadata_download::take_metadata() {
  if (!verified_ || taken_) return {};
  taken_ = true;
  return std::move(buffer_);
}

}  // namespace actorrent
