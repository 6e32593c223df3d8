#include "engine/piece_picker.hpp"

#include <algorithm>
#include <cassert>
#include <limits>
#include <set>
#include <stdexcept>
#include <tuple>

namespace actorrent {

namespace {

std::uint64_t seed_from(const std::optional<std::uint64_t>& seed) {
  if (seed) return *seed;
  std::random_device rd;
  return (std::uint64_t{rd()} << 32) ^ rd();
}

template <class T>
bool erase_first(std::vector<T>& v, const T& x) {
  auto it = std::find(v.begin(), v.end(), x);
  if (it == v.end()) return false;
  *it = v.back();
  v.pop_back();
  return true;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Construction and geometry

// Runs before any member allocates, so nonsense geometry costs no memory.
std::uint32_t piece_picker::validated(std::uint32_t num_pieces, std::int64_t piece_length,
                                      std::int64_t total_length, const bitfield& have) {
  // Offsets travel as 32-bit wire fields; 1 GiB pieces leave room for any real torrent.
  if (piece_length <= 0 || piece_length > (std::int64_t{1} << 30)) {
    throw std::invalid_argument("piece_picker: piece length out of range");
  }
  if (total_length < 0) throw std::invalid_argument("piece_picker: negative total length");
  const std::int64_t expected_pieces = (total_length + piece_length - 1) / piece_length;
  if (expected_pieces != static_cast<std::int64_t>(num_pieces)) {
    throw std::invalid_argument("piece_picker: piece count does not match the lengths");
  }
  if (have.size() != num_pieces) {
    throw std::invalid_argument("piece_picker: have bitfield of the wrong size");
  }
  return num_pieces;
}

piece_picker::piece_picker(std::uint32_t num_pieces, std::int64_t piece_length,
                           std::int64_t total_length, const bitfield& have,
                           piece_picker_config config)
    : num_pieces_(validated(num_pieces, piece_length, total_length, have)),
      piece_length_(piece_length),
      total_length_(total_length),
      config_(std::move(config)),
      rng_(seed_from(config_.rng_seed)),
      status_(num_pieces, piece_status::missing),
      have_(have),
      wanted_(num_pieces),
      rarity_(num_pieces),
      download_slot_(num_pieces, npos),
      open_slot_(num_pieces, npos) {
  blocks_per_piece_ = static_cast<std::uint32_t>((piece_length + block_size - 1) / block_size);
  wanted_.set_all();
  for (auto i = have_.next_set(0); i; i = have_.next_set(*i + 1)) {
    status_[*i] = piece_status::have;
  }
  rebuild_selection();
}

std::int64_t piece_picker::piece_size(std::uint32_t piece) const {
  if (piece + 1 < num_pieces_) return piece_length_;
  return total_length_ - piece_length_ * static_cast<std::int64_t>(num_pieces_ - 1);
}

std::uint32_t piece_picker::blocks_in_piece(std::uint32_t piece) const {
  return static_cast<std::uint32_t>((piece_size(piece) + block_size - 1) / block_size);
}

std::uint32_t piece_picker::block_length(std::uint32_t piece, std::uint32_t block) const {
  const std::int64_t rest = piece_size(piece) - std::int64_t{block} * block_size;
  return static_cast<std::uint32_t>(std::min<std::int64_t>(block_size, rest));
}

std::optional<piece_picker::block_ref> piece_picker::to_ref(const block_request& b) const {
  if (!valid_piece(b.piece) || b.offset % block_size != 0) return std::nullopt;
  const std::uint32_t block = b.offset / block_size;
  if (block >= blocks_in_piece(b.piece) || b.length != block_length(b.piece, block)) {
    return std::nullopt;
  }
  return block_ref{b.piece, block};
}

block_request piece_picker::to_request(std::uint32_t piece, std::uint32_t block) const {
  return {piece, block * block_size, block_length(piece, block)};
}

// ---------------------------------------------------------------------------------------
// Selection

void piece_picker::rebuild_selection() {
  have_count_ = static_cast<std::uint32_t>(have_.count());
  wanted_count_ = static_cast<std::uint32_t>(wanted_.count());
  needed_ = difference(wanted_, have_);
  needed_count_ = static_cast<std::uint32_t>(needed_.count());
  needed_bytes_ = std::int64_t{needed_count_} * piece_length_;
  if (num_pieces_ > 0 && needed_.test(num_pieces_ - 1)) {
    needed_bytes_ -= piece_length_ - piece_size(num_pieces_ - 1);
  }

  std::vector<std::uint32_t> members;
  startable_blocks_ = 0;
  for (auto i = needed_.next_set(0); i; i = needed_.next_set(*i + 1)) {
    const auto p = static_cast<std::uint32_t>(*i);
    if (status_[p] != piece_status::missing) continue;
    members.push_back(p);
    startable_blocks_ += blocks_in_piece(p);
  }
  rarity_.assign(members);

  for (auto p : open_list_)
    open_slot_[p] = npos;
  open_list_.clear();
  open_blocks_ = 0;
  for (auto& d : downloads_) {
    if (!wanted_.test(d.piece)) continue;
    open_blocks_ += d.open;
    if (d.open > 0) open_list_add(d.piece);
  }
}

bool piece_picker::set_wanted_pieces(const bitfield& wanted) {
  if (wanted.size() != num_pieces_) return false;
  wanted_ = wanted;
  rebuild_selection();
  return true;
}

void piece_picker::mark_have(std::uint32_t piece) {
  status_[piece] = piece_status::have;
  have_.set(piece);
  ++have_count_;
  if (wanted_.test(piece)) {
    needed_.reset(piece);
    --needed_count_;
    needed_bytes_ -= piece_size(piece);
  }
}

// ---------------------------------------------------------------------------------------
// Availability

piece_picker::peer_info& piece_picker::peer_entry(peer_key peer) {
  auto [it, inserted] = peers_.try_emplace(peer);
  if (inserted) it->second.pieces = bitfield(num_pieces_);
  return it->second;
}

void piece_picker::forget_pieces(peer_info& p) {
  if (p.seed) {
    --seeds_;
    p.seed = false;
    p.pieces = bitfield(num_pieces_);
  } else {
    for (auto i = p.pieces.next_set(0); i; i = p.pieces.next_set(*i + 1)) {
      rarity_.decrement(static_cast<std::uint32_t>(*i));
    }
    p.pieces.reset_all();
  }
  p.count = 0;
}

void piece_picker::become_seed(peer_info& p) {
  if (p.seed) return;
  for (auto i = p.pieces.next_set(0); i; i = p.pieces.next_set(*i + 1)) {
    rarity_.decrement(static_cast<std::uint32_t>(*i));
  }
  p.pieces = bitfield();  // a seed needs no bitfield: N/8 bytes saved per seed
  p.seed = true;
  p.count = num_pieces_;
  ++seeds_;
}

bool piece_picker::peer_has_bitfield(peer_key peer, const bitfield& pieces) {
  if (pieces.size() != num_pieces_) return false;
  auto& p = peer_entry(peer);
  forget_pieces(p);
  if (pieces.all()) {
    become_seed(p);
    return true;
  }
  p.pieces = pieces;
  p.count = static_cast<std::uint32_t>(pieces.count());
  for (auto i = pieces.next_set(0); i; i = pieces.next_set(*i + 1)) {
    rarity_.increment(static_cast<std::uint32_t>(*i));
  }
  return true;
}

bool piece_picker::peer_has(peer_key peer, std::uint32_t piece) {
  if (!valid_piece(piece)) return false;
  auto& p = peer_entry(peer);
  if (peer_has_piece(p, piece)) return true;
  p.pieces.set(piece);
  ++p.count;
  rarity_.increment(piece);
  if (p.count == num_pieces_) become_seed(p);
  return true;
}

void piece_picker::peer_has_all(peer_key peer) {
  auto& p = peer_entry(peer);
  forget_pieces(p);
  become_seed(p);
}

void piece_picker::peer_has_none(peer_key peer) {
  forget_pieces(peer_entry(peer));
}

std::uint32_t piece_picker::availability(std::uint32_t piece) const {
  if (!valid_piece(piece)) return 0;
  return rarity_.availability(piece) + seeds_;
}

bool piece_picker::is_interesting(peer_key peer) const {
  auto it = peers_.find(peer);
  if (it == peers_.end() || needed_count_ == 0) return false;
  const auto& p = it->second;
  if (p.seed) return true;
  // |p \ needed| < |p| exactly when p and needed intersect; no temporary bitfield.
  return count_difference(p.pieces, needed_) < p.count;
}

std::vector<block_request> piece_picker::release_all_requests(peer_key peer, peer_info& p) {
  std::vector<block_request> released;
  auto refs = std::move(p.requests);
  p.requests.clear();
  for (const auto& r : refs) {
    if (release(r.piece, r.block, peer, false)) released.push_back(to_request(r.piece, r.block));
  }
  for (const auto& r : refs)
    after_release(r.piece);
  return released;
}

std::vector<block_request> piece_picker::peer_left(peer_key peer) {
  auto it = peers_.find(peer);
  if (it == peers_.end()) return {};
  auto released = release_all_requests(peer, it->second);
  forget_pieces(it->second);
  peers_.erase(it);
  return released;
}

// ---------------------------------------------------------------------------------------
// Download records

piece_picker::download* piece_picker::find_download(std::uint32_t piece) {
  const auto slot = download_slot_[piece];
  return slot == npos ? nullptr : &downloads_[slot];
}

const piece_picker::download* piece_picker::find_download(std::uint32_t piece) const {
  const auto slot = download_slot_[piece];
  return slot == npos ? nullptr : &downloads_[slot];
}

piece_picker::download& piece_picker::start_download(std::uint32_t piece,
                                                     std::optional<peer_key> owner) {
  assert(status_[piece] == piece_status::missing);
  const std::uint32_t n = blocks_in_piece(piece);
  if (rarity_.contains(piece)) {
    rarity_.erase(piece);
    startable_blocks_ -= n;
  }
  download d;
  d.piece = piece;
  d.blocks.resize(n);
  d.owner = owner;
  d.last_active = now_;
  download_slot_[piece] = static_cast<std::uint32_t>(downloads_.size());
  downloads_.push_back(std::move(d));
  status_[piece] = piece_status::downloading;
  set_open(downloads_.back(), n);
  return downloads_.back();
}

void piece_picker::drop_download(std::uint32_t piece) {
  const auto slot = download_slot_[piece];
  assert(slot != npos);
  set_open(downloads_[slot], 0);
  if (slot + 1 != downloads_.size()) {
    downloads_[slot] = std::move(downloads_.back());
    download_slot_[downloads_[slot].piece] = slot;
  }
  downloads_.pop_back();
  download_slot_[piece] = npos;
}

void piece_picker::make_startable(std::uint32_t piece) {
  status_[piece] = piece_status::missing;
  if (needed(piece) && !rarity_.contains(piece)) {
    rarity_.insert(piece);
    startable_blocks_ += blocks_in_piece(piece);
  }
}

void piece_picker::set_open(download& d, std::uint32_t open) {
  const bool wanted = wanted_.test(d.piece);
  if (wanted) open_blocks_ = open_blocks_ - d.open + open;
  d.open = open;
  const bool listed = open_slot_[d.piece] != npos;
  const bool should = wanted && open > 0;
  if (should && !listed) open_list_add(d.piece);
  if (!should && listed) open_list_remove(d.piece);
}

void piece_picker::open_list_add(std::uint32_t piece) {
  open_slot_[piece] = static_cast<std::uint32_t>(open_list_.size());
  open_list_.push_back(piece);
}

void piece_picker::open_list_remove(std::uint32_t piece) {
  const auto slot = open_slot_[piece];
  open_list_[slot] = open_list_.back();
  open_slot_[open_list_[slot]] = slot;
  open_list_.pop_back();
  open_slot_[piece] = npos;
}

// ---------------------------------------------------------------------------------------
// Requests

bool piece_picker::is_suspect(peer_key peer) const {
  auto it = charges_.find(peer);
  return it != charges_.end() && it->second.charges > 0;
}

bool piece_picker::may_join(const download& d, peer_key peer, join_mode mode) const {
  auto requested_by = [&](peer_key who) {
    return std::any_of(d.requests.begin(), d.requests.end(),
                       [&](const request_slot& s) { return s.peer == who; });
  };
  auto only = [&](peer_key who) {
    return std::all_of(d.requests.begin(), d.requests.end(),
                       [&](const request_slot& s) { return s.peer == who; });
  };
  // A suspect owns a piece only while it is working on it; an idle owner (choked, or no
  // longer asking) does not keep others out.
  if (d.owner && *d.owner != peer && requested_by(*d.owner)) return false;
  switch (mode) {
    case join_mode::normal:
      break;
    case join_mode::suspect_own:
      // Its own piece, or one it started before it was charged and works on alone.
      if (d.owner != peer && (d.requests.empty() || !only(peer))) return false;
      break;
    case join_mode::suspect_idle:
      if (!only(peer)) return false;
      break;
    case join_mode::last_resort:
      // Liveness over evidence: a piece idle that long is finished by whoever is left.
      return only(peer) && now_ - d.last_active >= config_.idle_piece_takeover;
  }
  return !mixes_evidence(d, peer);
}

bool piece_picker::mixes_evidence(const download& d, peer_key peer) const {
  if (charged_peers_ == 0 || d.evidence_mixed) return false;
  // Nobody's data goes next to a suspect's, and a suspect's goes next to nobody's, except
  // next to the data of a non-suspect that left (it cannot come back to finish its piece,
  // and it is not on trial). A piece holding a departed suspect's data waits for the last
  // resort.
  const bool suspect = is_suspect(peer);
  for (const auto& b : d.blocks) {
    if (!b.received || b.from == peer) continue;
    if (is_suspect(b.from) || (suspect && peers_.count(b.from) != 0)) return true;
  }
  return false;
}

void piece_picker::add_request(download& d, std::uint32_t block, peer_key peer, peer_info* p,
                               engine_clock::time_point now) {
  auto& b = d.blocks[block];
  if (b.requests == 0) {
    ++blocks_in_flight_;
    if (!b.received) set_open(d, d.open - 1);
  }
  ++b.requests;
  ++requests_in_flight_;
  d.last_active = std::max(d.last_active, now);
  d.requests.push_back({block, peer, now});
  if (p != nullptr) p->requests.push_back({d.piece, block});
}

std::size_t piece_picker::take_open_blocks(download& d, peer_key peer, peer_info& p, bool suspect,
                                           std::size_t max, engine_clock::time_point now,
                                           std::vector<block_request>& out) {
  if (suspect) {
    d.owner = peer;
  } else if (d.owner && *d.owner != peer) {
    d.owner.reset();  // joined an idle suspect's piece: it is shared now
  }
  std::size_t taken = 0;
  // In block order, so the hasher can usually consume blocks as they arrive.
  for (std::uint32_t b = 0; b < d.blocks.size() && d.open > 0 && out.size() < max; ++b) {
    const auto& info = d.blocks[b];
    if (info.received || info.requests != 0) continue;
    add_request(d, b, peer, &p, now);
    out.push_back(to_request(d.piece, b));
    ++taken;
  }
  return taken;
}

bool piece_picker::release(std::uint32_t piece, std::uint32_t block, peer_key peer,
                           bool from_peer_list) {
  auto* d = find_download(piece);
  if (d == nullptr) return false;
  auto it = std::find_if(d->requests.begin(), d->requests.end(),
                         [&](const request_slot& s) { return s.block == block && s.peer == peer; });
  if (it == d->requests.end()) return false;
  *it = d->requests.back();
  d->requests.pop_back();
  auto& b = d->blocks[block];
  --b.requests;
  --requests_in_flight_;
  if (b.requests == 0) {
    --blocks_in_flight_;
    if (!b.received) set_open(*d, d->open + 1);
  }
  if (from_peer_list) {
    auto pit = peers_.find(peer);
    if (pit != peers_.end()) {
      auto& reqs = pit->second.requests;
      auto r = std::find_if(reqs.begin(), reqs.end(), [&](const block_ref& x) {
        return x.piece == piece && x.block == block;
      });
      if (r != reqs.end()) {
        *r = reqs.back();
        reqs.pop_back();
      }
    }
  }
  return true;
}

void piece_picker::after_release(std::uint32_t piece) {
  // A piece with nothing received and nothing asked is no longer "partial": it goes back to
  // the rarity order so that it competes on rarity again instead of being preferred.
  auto* d = find_download(piece);
  if (d == nullptr || d->received != 0 || !d->requests.empty()) return;
  drop_download(piece);
  make_startable(piece);
}

bool piece_picker::request_rejected(peer_key peer, const block_request& block) {
  auto ref = to_ref(block);
  if (!ref || !release(ref->piece, ref->block, peer, true)) return false;
  after_release(ref->piece);
  return true;
}

bool piece_picker::request_timed_out(peer_key peer, const block_request& block) {
  return request_rejected(peer, block);
}

std::vector<block_request> piece_picker::peer_choked_us(peer_key peer, bool fast_extension) {
  if (fast_extension) return {};  // BEP 6: only explicit rejects release requests
  auto it = peers_.find(peer);
  if (it == peers_.end()) return {};
  return release_all_requests(peer, it->second);
}

std::vector<std::pair<peer_key, block_request>> piece_picker::requests_older_than(
    engine_clock::time_point cutoff) const {
  std::vector<std::pair<peer_key, block_request>> out;
  for (const auto& d : downloads_) {
    for (const auto& s : d.requests) {
      if (s.since < cutoff) out.emplace_back(s.peer, to_request(d.piece, s.block));
    }
  }
  return out;
}

std::vector<block_request> piece_picker::requests_of(peer_key peer) const {
  std::vector<block_request> out;
  auto it = peers_.find(peer);
  if (it == peers_.end()) return out;
  for (const auto& r : it->second.requests)
    out.push_back(to_request(r.piece, r.block));
  std::sort(out.begin(), out.end());
  return out;
}

// ---------------------------------------------------------------------------------------
// Picking

std::vector<block_request> piece_picker::pick(peer_key peer, std::size_t max_blocks,
                                              engine_clock::time_point now) {
  return pick_impl(peer, max_blocks, now, nullptr);
}

std::vector<block_request> piece_picker::pick_allowed_fast(
    peer_key peer, const std::vector<std::uint32_t>& allowed, std::size_t max_blocks,
    engine_clock::time_point now) {
  std::vector<std::uint32_t> set;
  for (auto p : allowed) {
    if (valid_piece(p)) set.push_back(p);
  }
  std::sort(set.begin(), set.end());
  set.erase(std::unique(set.begin(), set.end()), set.end());
  return pick_impl(peer, max_blocks, now, &set);
}

std::vector<block_request> piece_picker::pick_impl(peer_key peer, std::size_t max_blocks,
                                                   engine_clock::time_point now,
                                                   const std::vector<std::uint32_t>* allowed) {
  std::vector<block_request> out;
  if (max_blocks == 0 || is_banned(peer)) return out;
  auto it = peers_.find(peer);
  if (it == peers_.end()) return out;
  auto& p = it->second;
  now_ = std::max(now_, now);
  const bool suspect = is_suspect(peer);
  const std::optional<peer_key> owner = suspect ? std::optional<peer_key>(peer) : std::nullopt;

  if (config_.sequential) {
    pick_sequential(peer, p, suspect, max_blocks, now, out, allowed);
  } else {
    const auto first_pass = suspect ? join_mode::suspect_own : join_mode::normal;
    pick_partials(peer, p, suspect, first_pass, max_blocks, now, out, allowed);
    if (out.size() < max_blocks) {
      std::vector<std::uint32_t> chosen;
      if (allowed != nullptr) {
        std::vector<std::uint32_t> candidates;
        for (auto piece : *allowed) {
          if (rarity_.contains(piece) && peer_has_piece(p, piece)) candidates.push_back(piece);
        }
        chosen = choose_rarest_among(std::move(candidates), max_blocks - out.size());
      } else {
        chosen = choose_rarest(p, max_blocks - out.size());
      }
      for (auto piece : chosen) {
        if (out.size() >= max_blocks) break;
        auto& d = start_download(piece, owner);
        take_open_blocks(d, peer, p, suspect, max_blocks, now, out);
      }
    }
    if (suspect && out.size() < max_blocks) {
      pick_partials(peer, p, suspect, join_mode::suspect_idle, max_blocks, now, out, allowed);
    }
  }
  if (out.size() < max_blocks && charged_peers_ > 0) {
    pick_partials(peer, p, suspect, join_mode::last_resort, max_blocks, now, out, allowed);
  }
  // Duplicates mix contributors; a suspect's evidence must stay clean, so it gets none and
  // nobody duplicates the blocks of a piece it is working on.
  if (out.size() < max_blocks && !suspect && in_endgame()) {
    pick_endgame(peer, p, max_blocks, now, out, allowed);
  }
  return out;
}

void piece_picker::pick_partials(peer_key peer, peer_info& p, bool suspect, join_mode mode,
                                 std::size_t max, engine_clock::time_point now,
                                 std::vector<block_request>& out,
                                 const std::vector<std::uint32_t>* allowed) {
  if (allowed != nullptr) {
    for (auto piece : *allowed) {
      if (out.size() >= max) return;
      if (open_slot_[piece] == npos || !peer_has_piece(p, piece)) continue;
      auto& d = *find_download(piece);
      if (!may_join(d, peer, mode)) continue;
      if (mode == join_mode::last_resort) d.evidence_mixed = true;
      take_open_blocks(d, peer, p, suspect, max, now, out);
    }
    return;
  }
  std::size_t i = 0;
  while (i < open_list_.size() && out.size() < max) {
    const auto piece = open_list_[i];
    auto& d = *find_download(piece);
    if (peer_has_piece(p, piece) && may_join(d, peer, mode)) {
      if (mode == join_mode::last_resort) d.evidence_mixed = true;
      take_open_blocks(d, peer, p, suspect, max, now, out);
      // A piece with nothing left to ask for leaves the list and the last entry (not yet
      // visited) takes its place, so only advance when it stayed.
      if (i < open_list_.size() && open_list_[i] == piece) ++i;
    } else {
      ++i;
    }
  }
}

void piece_picker::pick_sequential(peer_key peer, peer_info& p, bool suspect, std::size_t max,
                                   engine_clock::time_point now, std::vector<block_request>& out,
                                   const std::vector<std::uint32_t>* allowed) {
  const std::optional<peer_key> owner = suspect ? std::optional<peer_key>(peer) : std::nullopt;
  auto try_piece = [&](std::uint32_t piece) {
    if (status_[piece] == piece_status::missing) {
      if (!rarity_.contains(piece)) return;
      auto& d = start_download(piece, owner);
      take_open_blocks(d, peer, p, suspect, max, now, out);
    } else if (status_[piece] == piece_status::downloading && open_slot_[piece] != npos) {
      auto& d = *find_download(piece);
      // Index order first: a suspect takes, in order, any piece it may work on alone.
      const auto mode = suspect ? join_mode::suspect_idle : join_mode::normal;
      if (may_join(d, peer, mode)) take_open_blocks(d, peer, p, suspect, max, now, out);
    }
  };
  if (allowed != nullptr) {
    for (auto piece : *allowed) {
      if (out.size() >= max) return;
      if (needed(piece) && peer_has_piece(p, piece)) try_piece(piece);
    }
    return;
  }
  // Walk the wanted pieces upwards, testing the peer's bitfield; a peer missing a long run
  // of them would make that walk long, so past a budget intersect the bitfields once and
  // walk the intersection instead.
  const std::size_t budget = num_pieces_ / 32 + 64;
  std::size_t skipped = 0;
  std::optional<bitfield> both;
  for (auto i = needed_.next_set(0); i && out.size() < max;) {
    const auto piece = static_cast<std::uint32_t>(*i);
    if (!both && !peer_has_piece(p, piece)) {
      if (++skipped > budget) {
        both = p.pieces & needed_;
        i = both->next_set(piece);
      } else {
        i = needed_.next_set(piece + 1);
      }
      continue;
    }
    try_piece(piece);
    i = both ? both->next_set(piece + 1) : needed_.next_set(piece + 1);
  }
}

std::vector<std::uint32_t> piece_picker::choose_rarest(const peer_info& p,
                                                       std::size_t blocks_wanted) {
  std::vector<std::uint32_t> chosen;
  if (rarity_.empty()) return chosen;
  std::size_t got = 0;
  std::size_t scanned = 0;
  const std::size_t budget = num_pieces_ / 32 + 64;
  bool over_budget = false;
  auto usable = [&](std::uint32_t piece) {
    return peer_has_piece(p, piece) &&
           std::find(chosen.begin(), chosen.end(), piece) == chosen.end();
  };
  auto take = [&](std::uint32_t piece) {
    chosen.push_back(piece);
    got += blocks_in_piece(piece);
  };
  std::vector<std::uint32_t> hits;
  // A non-seed peer counts in the availability of every piece it has, so bucket 0 (pieces
  // only seeds have, or nobody) cannot hold one of its pieces.
  for (std::size_t a = p.seed ? 0 : 1; a < rarity_.num_buckets() && got < blocks_wanted; ++a) {
    const auto [first, last] = rarity_.bucket(a);
    const std::size_t len = last - first;
    if (len == 0) continue;
    // The tie-break must be uniform over the bucket's pieces this peer has. Random probes
    // are, and cost O(1) per pick when the peer has a fair share of the bucket.
    for (int misses = 0; misses < 32 && got < blocks_wanted;) {
      if (++scanned > budget) {
        over_budget = true;
        break;
      }
      const auto piece = rarity_.at(first + static_cast<std::size_t>(rng_() % len));
      if (usable(piece)) {
        take(piece);
        misses = 0;
      } else {
        ++misses;
      }
    }
    if (over_budget) break;
    if (got >= blocks_wanted) return chosen;
    // Probes keep missing: the peer has few of these. Collect them all and draw among them,
    // unless the bucket is too big for the budget left: then intersecting bitfields is
    // cheaper than walking it.
    if (scanned + len > budget) {
      over_budget = true;
      break;
    }
    hits.clear();
    scanned += len;
    for (std::size_t i = first; i < last; ++i) {
      if (usable(rarity_.at(i))) hits.push_back(rarity_.at(i));
    }
    while (got < blocks_wanted && !hits.empty()) {
      const std::size_t k = static_cast<std::size_t>(rng_() % hits.size());
      take(hits[k]);
      hits[k] = hits.back();
      hits.pop_back();
    }
  }
  if (!over_budget) return chosen;

  // The peer has few of the startable pieces: intersecting bitfields (64 pieces per step)
  // finds them faster than testing one piece at a time in rarity order.
  const bitfield both = p.seed ? rarity_.members() : (p.pieces & rarity_.members());
  std::vector<std::uint32_t> candidates;
  for (auto i = both.next_set(0); i; i = both.next_set(*i + 1)) {
    const auto piece = static_cast<std::uint32_t>(*i);
    if (std::find(chosen.begin(), chosen.end(), piece) == chosen.end()) {
      candidates.push_back(piece);
    }
  }
  auto more = choose_rarest_among(std::move(candidates), blocks_wanted - got);
  chosen.insert(chosen.end(), more.begin(), more.end());
  return chosen;
}

std::vector<std::uint32_t> piece_picker::choose_rarest_among(std::vector<std::uint32_t> candidates,
                                                             std::size_t blocks_wanted) {
  std::vector<std::uint32_t> chosen;
  std::size_t got = 0;
  // Level by level from the rarest: move the candidates of the lowest availability left to
  // the front, then draw among them. Usually one level serves the whole pick, and the RNG
  // runs once per piece chosen rather than once per candidate.
  auto first = candidates.begin();
  const auto last = candidates.end();
  while (got < blocks_wanted && first != last) {
    std::uint32_t level = std::numeric_limits<std::uint32_t>::max();
    for (auto it = first; it != last; ++it)
      level = std::min(level, rarity_.availability(*it));
    const auto level_end = std::partition(
        first, last, [&](std::uint32_t p) { return rarity_.availability(p) == level; });
    while (got < blocks_wanted && first != level_end) {
      const auto k =
          static_cast<std::ptrdiff_t>(rng_() % static_cast<std::uint64_t>(level_end - first));
      std::iter_swap(first, first + k);
      chosen.push_back(*first);
      got += blocks_in_piece(*first);
      ++first;
    }
  }
  return chosen;
}

void piece_picker::pick_endgame(peer_key peer, peer_info& p, std::size_t max,
                                engine_clock::time_point now, std::vector<block_request>& out,
                                const std::vector<std::uint32_t>* allowed) {
  const std::uint32_t cap =
      std::clamp<std::uint32_t>(config_.endgame_max_requests_per_block, 1, 0xffff);
  if (p.requests.size() >= config_.endgame_peer_queue) return;
  max = std::min<std::size_t>(max, out.size() + config_.endgame_peer_queue - p.requests.size());
  struct candidate {
    std::uint16_t requests;
    engine_clock::time_point oldest;
    std::uint32_t piece;
    std::uint32_t block;
  };
  std::vector<candidate> candidates;
  std::vector<char> mine;
  std::vector<engine_clock::time_point> oldest;
  for (const auto& d : downloads_) {
    if (!wanted_.test(d.piece) || !peer_has_piece(p, d.piece)) continue;
    if (!may_join(d, peer, join_mode::normal)) continue;
    if (allowed != nullptr && !std::binary_search(allowed->begin(), allowed->end(), d.piece)) {
      continue;
    }
    mine.assign(d.blocks.size(), 0);
    oldest.assign(d.blocks.size(), engine_clock::time_point::max());
    for (const auto& s : d.requests) {
      if (s.peer == peer) mine[s.block] = 1;
      oldest[s.block] = std::min(oldest[s.block], s.since);
    }
    for (std::uint32_t b = 0; b < d.blocks.size(); ++b) {
      const auto& info = d.blocks[b];
      if (info.received || info.requests == 0 || info.requests >= cap || mine[b]) continue;
      if (now - oldest[b] < config_.endgame_min_age) continue;
      candidates.push_back({info.requests, oldest[b], d.piece, b});
    }
  }
  // Least duplicated first, then the longest outstanding: that is the slow peer's block.
  auto less = [](const candidate& a, const candidate& b) {
    return std::tie(a.requests, a.oldest, a.piece, a.block) <
           std::tie(b.requests, b.oldest, b.piece, b.block);
  };
  const std::size_t n = std::min(candidates.size(), max - out.size());
  std::partial_sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(n),
                    candidates.end(), less);
  for (std::size_t i = 0; i < n; ++i) {
    auto& d = *find_download(candidates[i].piece);
    add_request(d, candidates[i].block, peer, &p, now);
    out.push_back(to_request(d.piece, candidates[i].block));
  }
}

bool piece_picker::in_endgame() const {
  return needed_count_ > 0 && startable_blocks_ == 0 && open_blocks_ == 0;
}

// ---------------------------------------------------------------------------------------
// Arrivals and verification

block_arrival piece_picker::block_received(peer_key peer, const block_request& block) {
  block_arrival result;
  auto ref = to_ref(block);
  if (!ref || is_banned(peer)) return result;
  const auto piece = ref->piece;
  if (status_[piece] == piece_status::have || status_[piece] == piece_status::awaiting_hash) {
    return result;
  }
  // Data nobody asked for never starts a piece: it would let any peer choose what we store
  // and mix its blocks into pieces a suspect must not touch.
  if (status_[piece] != piece_status::downloading) return result;
  auto& d = *find_download(piece);
  auto& info = d.blocks[ref->block];
  if (info.received) return result;
  const bool asked = std::any_of(d.requests.begin(), d.requests.end(), [&](const request_slot& s) {
    return s.block == ref->block && s.peer == peer;
  });
  // A late answer to a request we gave up on is still good data, on the terms on which the
  // peer could ask for the block now. An answer to a request made before a hash failure
  // made someone a suspect may now mix evidence: it is dropped like a rejected request.
  const bool ok =
      asked ? !mixes_evidence(d, peer)
            : may_join(d, peer, is_suspect(peer) ? join_mode::suspect_own : join_mode::normal);
  if (!ok) {
    if (asked && release(piece, ref->block, peer, true)) after_release(piece);
    return result;
  }

  // Every other request for this block is now redundant: cancel it.
  for (std::size_t i = 0; i < d.requests.size();) {
    const auto s = d.requests[i];
    if (s.block != ref->block) {
      ++i;
      continue;
    }
    if (s.peer != peer) result.cancels.emplace_back(s.peer, block);
    auto pit = peers_.find(s.peer);
    if (pit != peers_.end()) {
      auto& reqs = pit->second.requests;
      auto r = std::find_if(reqs.begin(), reqs.end(), [&](const block_ref& x) {
        return x.piece == piece && x.block == ref->block;
      });
      if (r != reqs.end()) {
        *r = reqs.back();
        reqs.pop_back();
      }
    }
    d.requests[i] = d.requests.back();
    d.requests.pop_back();
    --requests_in_flight_;
  }
  const bool was_open = info.requests == 0;
  if (!was_open) --blocks_in_flight_;
  info.requests = 0;
  info.received = true;
  info.from = peer;
  ++d.received;
  d.last_active = std::max(d.last_active, now_);
  if (was_open) set_open(d, d.open - 1);
  result.accepted = true;

  if (d.received == d.blocks.size()) {
    std::vector<peer_key> contributors;
    for (const auto& b : d.blocks)
      contributors.push_back(b.from);
    std::sort(contributors.begin(), contributors.end());
    contributors.erase(std::unique(contributors.begin(), contributors.end()), contributors.end());
    drop_download(piece);
    status_[piece] = piece_status::awaiting_hash;
    awaiting_hash_[piece] = std::move(contributors);
    result.piece_complete = true;
  }
  return result;
}

std::vector<std::pair<peer_key, block_request>> piece_picker::piece_passed(std::uint32_t piece) {
  std::vector<std::pair<peer_key, block_request>> cancels;
  if (!valid_piece(piece)) return cancels;
  switch (status_[piece]) {
    case piece_status::have:
      return cancels;
    case piece_status::awaiting_hash: {
      // Good data forgives one charge: a peer that keeps delivering good pieces is not
      // banned for having shared a few with a bad one. Nothing forgives a ban.
      for (auto peer : awaiting_hash_[piece]) {
        auto it = charges_.find(peer);
        if (it != charges_.end() && it->second.charges > 0 && !it->second.banned) {
          if (--it->second.charges == 0) --charged_peers_;
        }
      }
      awaiting_hash_.erase(piece);
      break;
    }
    case piece_status::downloading: {
      // Verified by other means (a recheck) while requests were out: they are useless now.
      auto& d = *find_download(piece);
      for (const auto& s : d.requests) {
        cancels.emplace_back(s.peer, to_request(piece, s.block));
        auto pit = peers_.find(s.peer);
        if (pit != peers_.end()) erase_first(pit->second.requests, block_ref{piece, s.block});
      }
      requests_in_flight_ -= d.requests.size();
      for (const auto& b : d.blocks) {
        if (b.requests > 0) --blocks_in_flight_;
      }
      drop_download(piece);
      break;
    }
    case piece_status::missing:
      if (rarity_.contains(piece)) {
        rarity_.erase(piece);
        startable_blocks_ -= blocks_in_piece(piece);
      }
      break;
  }
  mark_have(piece);
  return cancels;
}

hash_failure piece_picker::piece_failed(std::uint32_t piece) {
  hash_failure result;
  if (!valid_piece(piece)) return result;
  if (status_[piece] == piece_status::have) {
    have_.reset(piece);
    --have_count_;
    if (wanted_.test(piece)) {
      needed_.set(piece);
      ++needed_count_;
      needed_bytes_ += piece_size(piece);
    }
    make_startable(piece);
    return result;
  }
  if (status_[piece] != piece_status::awaiting_hash) return result;
  auto node = awaiting_hash_.extract(piece);
  const auto contributors = std::move(node.mapped());
  make_startable(piece);

  // A peer already banned explains the failure: its data was in the piece, so charging the
  // others would only punish them for having shared a piece with it.
  for (auto peer : contributors) {
    if (is_banned(peer)) return result;
  }
  const bool sole = contributors.size() == 1;
  const std::uint32_t limit = std::max<std::uint32_t>(config_.max_hash_failures, 1);
  for (auto peer : contributors) {
    auto& rec = charges_[peer];
    if (rec.charges++ == 0) ++charged_peers_;
    if (sole) ++rec.sole;
    result.charged.push_back(peer);
    if ((sole && config_.ban_sole_contributor) || rec.charges >= limit) {
      rec.banned = true;
      result.banned.push_back(peer);
    }
  }
  if (!result.banned.empty()) {
    // A banned peer's blocks would only make the pieces they are in fail later and charge
    // their honest co-contributors.
    discard_received_if(
        [&](const std::vector<peer_key>& from) {
          return std::any_of(from.begin(), from.end(), [&](peer_key p) { return is_banned(p); });
        },
        result.pieces_reset);
  }
  if (!sole) {
    // Pieces in progress that mix a charged peer's blocks with others' would fail just as
    // ambiguously and charge the same innocent peers again; restart them so that they are
    // completed under isolation.
    discard_received_if(
        [&](const std::vector<peer_key>& from) {
          return from.size() > 1 && std::any_of(from.begin(), from.end(), [&](peer_key p) {
                   return std::binary_search(contributors.begin(), contributors.end(), p);
                 });
        },
        result.pieces_reset);
  }
  std::sort(result.pieces_reset.begin(), result.pieces_reset.end());
  result.pieces_reset.erase(std::unique(result.pieces_reset.begin(), result.pieces_reset.end()),
                            result.pieces_reset.end());
  return result;
}

bool piece_picker::piece_lost(std::uint32_t piece) {
  if (!valid_piece(piece)) return false;
  if (status_[piece] == piece_status::awaiting_hash) {
    awaiting_hash_.erase(piece);
    make_startable(piece);
    return true;
  }
  if (status_[piece] != piece_status::downloading) return false;
  forget_received(*find_download(piece));
  after_release(piece);
  return true;
}

void piece_picker::forget_received(download& d) {
  std::uint32_t open = d.open;
  for (auto& b : d.blocks) {
    if (!b.received) continue;
    b.received = false;
    b.from = 0;
    if (b.requests == 0) ++open;
  }
  d.received = 0;
  // The data that made it a suspect's or mixed evidence is gone with it.
  d.owner.reset();
  d.evidence_mixed = false;
  set_open(d, open);
}

template <class Pred>
void piece_picker::discard_received_if(Pred pred, std::vector<std::uint32_t>& reset) {
  // The whole piece's received data is dropped, not just some blocks, so that the caller can
  // simply restart the piece's hashing.
  std::vector<peer_key> from;
  for (std::size_t k = 0; k < downloads_.size();) {
    auto& d = downloads_[k];
    from.clear();
    for (const auto& b : d.blocks) {
      if (b.received) from.push_back(b.from);
    }
    std::sort(from.begin(), from.end());
    from.erase(std::unique(from.begin(), from.end()), from.end());
    if (from.empty() || !pred(from)) {
      ++k;
      continue;
    }
    const auto piece = d.piece;
    reset.push_back(piece);
    forget_received(d);
    if (d.requests.empty()) {
      drop_download(piece);  // moves the last download into slot k
      make_startable(piece);
    } else {
      ++k;
    }
  }
}

std::uint32_t piece_picker::charges(peer_key peer) const {
  auto it = charges_.find(peer);
  return it == charges_.end() ? 0 : it->second.charges;
}

bool piece_picker::is_banned(peer_key peer) const {
  auto it = charges_.find(peer);
  return it != charges_.end() && it->second.banned;
}

std::vector<peer_key> piece_picker::banned_peers() const {
  std::vector<peer_key> out;
  for (const auto& [peer, rec] : charges_) {
    if (rec.banned) out.push_back(peer);
  }
  std::sort(out.begin(), out.end());
  return out;
}

piece_status piece_picker::status(std::uint32_t piece) const {
  return valid_piece(piece) ? status_[piece] : piece_status::missing;
}

// ---------------------------------------------------------------------------------------
// Invariants (tests)

std::string piece_picker::check_invariants() const {
  if (auto e = rarity_.check(); !e.empty()) return "rarity: " + e;
  std::uint64_t startable = 0;
  std::uint32_t have = 0;
  std::uint32_t need = 0;
  std::int64_t need_bytes = 0;
  for (std::uint32_t i = 0; i < num_pieces_; ++i) {
    const auto s = status_[i];
    const std::string at = " at piece " + std::to_string(i);
    if ((s == piece_status::have) != have_.test(i)) return "have bitfield disagrees" + at;
    if (needed_.test(i) != (wanted_.test(i) && !have_.test(i))) return "needed stale" + at;
    const bool member = s == piece_status::missing && needed(i);
    if (rarity_.contains(i) != member) return "rarity membership wrong" + at;
    if (member) startable += blocks_in_piece(i);
    if ((s == piece_status::downloading) != (download_slot_[i] != npos)) {
      return "download record disagrees with status" + at;
    }
    if ((s == piece_status::awaiting_hash) != (awaiting_hash_.count(i) == 1)) {
      return "awaiting-hash record disagrees with status" + at;
    }
    if (s == piece_status::have) ++have;
    if (needed(i)) {
      ++need;
      need_bytes += piece_size(i);
    }
  }
  if (startable != startable_blocks_) return "startable block count stale";
  if (have != have_count_ || need != needed_count_ || need_bytes != needed_bytes_) {
    return "piece counters stale";
  }

  std::uint64_t open_total = 0;
  std::size_t in_flight = 0;
  std::size_t requests = 0;
  std::multiset<std::tuple<peer_key, std::uint32_t, std::uint32_t>> slots;
  for (std::size_t k = 0; k < downloads_.size(); ++k) {
    const auto& d = downloads_[k];
    const std::string at = " in download of piece " + std::to_string(d.piece);
    if (download_slot_[d.piece] != k) return "download slot stale" + at;
    if (d.blocks.size() != blocks_in_piece(d.piece)) return "block count wrong" + at;
    std::uint32_t open = 0;
    std::uint32_t received = 0;
    std::vector<std::uint32_t> per_block(d.blocks.size(), 0);
    for (const auto& s : d.requests) {
      if (s.block >= d.blocks.size()) return "request slot out of range" + at;
      ++per_block[s.block];
      slots.emplace(s.peer, d.piece, s.block);
      if (slots.count(std::make_tuple(s.peer, d.piece, s.block)) > 1) {
        return "a block requested twice from one peer" + at;
      }
    }
    for (std::size_t b = 0; b < d.blocks.size(); ++b) {
      const auto& info = d.blocks[b];
      if (info.requests != per_block[b]) return "request count wrong" + at;
      if (info.received && info.requests != 0) return "received block still requested" + at;
      if (!info.received && info.requests == 0) ++open;
      if (info.received) ++received;
      if (info.requests > 0) ++in_flight;
    }
    requests += d.requests.size();
    if (open != d.open || received != d.received) return "open/received counts wrong" + at;
    if (received == d.blocks.size()) return "complete piece still downloading" + at;
    if (received == 0 && d.requests.empty()) return "empty download kept" + at;
    const bool listed = open_slot_[d.piece] != npos;
    if (listed != (wanted_.test(d.piece) && d.open > 0)) return "open list membership" + at;
    if (listed && open_list_[open_slot_[d.piece]] != d.piece) return "open slot stale" + at;
    if (wanted_.test(d.piece)) open_total += d.open;
  }
  if (open_total != open_blocks_) return "open block count stale";
  if (in_flight != blocks_in_flight_ || requests != requests_in_flight_) {
    return "in-flight counters stale";
  }
  for (auto p : open_list_) {
    if (download_slot_[p] == npos) return "open list holds a piece not downloading";
  }

  std::vector<std::uint32_t> avail(num_pieces_, 0);
  std::uint32_t seeds = 0;
  std::size_t peer_requests = 0;
  for (const auto& [key, p] : peers_) {
    if (p.seed) {
      ++seeds;
    } else {
      if (p.pieces.size() != num_pieces_) return "peer bitfield of the wrong size";
      if (p.pieces.count() != p.count) return "peer piece count stale";
      for (auto i = p.pieces.next_set(0); i; i = p.pieces.next_set(*i + 1))
        ++avail[*i];
    }
    for (const auto& r : p.requests) {
      if (slots.count(std::make_tuple(key, r.piece, r.block)) != 1) {
        return "peer " + std::to_string(key) + " lists a request with no slot";
      }
    }
    peer_requests += p.requests.size();
  }
  if (peer_requests != requests) return "per-peer request lists disagree with the slots";
  if (seeds != seeds_) return "seed count stale";
  for (std::uint32_t i = 0; i < num_pieces_; ++i) {
    if (avail[i] != rarity_.availability(i)) return "availability stale at " + std::to_string(i);
  }
  return {};
}

}  // namespace actorrent
