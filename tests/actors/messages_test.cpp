#include <catch2/catch.hpp>

#include <caf/all.hpp>

#include "actors/actor_setup.hpp"
#include "actors/messages.hpp"
#include "tests/support/caf_round_trip.hpp"

using namespace actorrent;

using test::round_trip;

TEST_CASE("every message type round-trips through CAF's serializer", "[messages]") {
  actorrent_config cfg;
  caf::actor_system sys{cfg};

  auto peer = *peer_address::parse_ip("2001:db8::1", 6881);
  peers_discovered pd{sha1("x"), {peer_address::v4_address({127, 0, 0, 1}, 1), peer}, "udp://t:1"};
  auto pd2 = round_trip(sys, pd);
  CHECK(pd2.info_hash == pd.info_hash);
  CHECK(pd2.peers == pd.peers);
  CHECK(pd2.source == pd.source);

  auto ts = round_trip(sys, tracker_stats{1, 2, 3});
  CHECK((ts.uploaded == 1 && ts.downloaded == 2 && ts.left == 3));
  round_trip(sys, tracker_completed{});
  round_trip(sys, tracker_want_peers{});
  round_trip(sys, tracker_stop{});
  CHECK(round_trip(sys, tracker_stopped{true}).announced);
  auto st = round_trip(sys, tracker_status{"http://t/announce", true, "warn", 3, 4, 1800});
  CHECK((st.url == "http://t/announce" && st.seeders == 3 && st.next_announce_in_s == 1800));
  announce_outcome ao;
  ao.generation = 9;
  ao.url = "u";
  ao.ok = true;
  ao.peers = {peer};
  ao.min_interval_s = 60;
  auto ao2 = round_trip(sys, ao);
  CHECK((ao2.generation == 9 && ao2.peers == ao.peers && ao2.min_interval_s == 60));
  auto bw = round_trip(sys, block_written{7, 3, 16384, 16384, true});
  CHECK((bw.peer == 7 && bw.piece == 3 && bw.offset == 16384 && bw.length == 16384 && bw.ok));
  auto br = round_trip(sys, block_read{1, 2, 3});
  CHECK((br.piece == 1 && br.offset == 2 && br.length == 3));
  auto pc = round_trip(sys, piece_checked{5, true});
  CHECK((pc.piece == 5 && pc.passed));
  auto df = round_trip(sys, disk_failure{"disk full", "/dl/a: No space left on device", 4});
  CHECK((df.kind == "disk full" && df.piece == 4));
}

TEST_CASE("the pipeline's message types round-trip through CAF's serializer", "[messages]") {
  actorrent_config cfg;
  caf::actor_system sys{cfg};

  CHECK(round_trip(sys, block_written{7, 3, 0, 16384, true, 16448}).credit == 16448);
  CHECK(round_trip(sys, reset_piece{9}).piece == 9);
  auto srd = round_trip(sys, save_resume_data{"/state", "\x80"});
  CHECK((srd.state_dir == "/state" && srd.also_verified == "\x80"));
  round_trip(sys, flush_storage{});
  auto sf = round_trip(sys, storage_flushed{true, {}, "\xc0"});
  CHECK((sf.ok && sf.verified == "\xc0"));
  auto rs = round_trip(sys, resume_saved{false, "disk full"});
  CHECK((!rs.ok && rs.error == "disk full"));
  auto br = round_trip(sys, block_request{4, 16384, 100});
  CHECK(br == block_request{4, 16384, 100});
  auto hd = round_trip(sys, peer_handshake_done{sha1("p"), true, false});
  CHECK((hd.peer_id == sha1("p") && hd.fast_extension && !hd.extension_protocol));
  auto wi = round_trip(sys, peer_wire_in{5, 1, 2, 3, std::string("\xff\x00", 2), 77});
  CHECK((wi.id == 5 && wi.c == 3 && wi.bytes == std::string("\xff\x00", 2) && wi.credit == 77));
  round_trip(sys, peer_send_drained{});
  auto tc = round_trip(sys, peer_transport_closed{"reset", close_kind::violation});
  CHECK((tc.reason == "reset" && tc.kind == close_kind::violation));
  auto pw = round_trip(sys, peer_welcome{"\x80", false, false});
  CHECK(pw.have_bits == "\x80");
  auto pp = round_trip(sys, peer_pieces{3, peer_pieces::one, 12, {}});
  CHECK((pp.peer == 3 && pp.kind == peer_pieces::one && pp.piece == 12));
  CHECK(round_trip(sys, interest{true, true}).interesting);
  auto pr = round_trip(sys, pick_request{2, 64, true, {1, 5}});
  CHECK((pr.max_blocks == 64 && pr.choked && pr.allowed_fast == std::vector<std::uint32_t>{1, 5}));
  auto pk = round_trip(sys, picked{{{1, 0, 16384}, {1, 16384, 16384}}, true});
  CHECK((pk.blocks.size() == 2 && pk.blocks[1].offset == 16384 && pk.interesting));
  CHECK(round_trip(sys, peer_choked_us{8, true}).fast_extension);
  auto rr = round_trip(sys, requests_returned{8, {{2, 0, 16384}}, true});
  CHECK((rr.blocks.size() == 1 && rr.timed_out));
  CHECK(round_trip(sys, cancel_block{{2, 0, 16384}}).block.piece == 2);
  CHECK(round_trip(sys, have_verified{6, true}).complete);
  CHECK(round_trip(sys, peer_ban{"bad data"}).reason == "bad data");
  auto pv = round_trip(sys, piece_verified{6, 7, 1000, false});
  CHECK((pv.pieces_have == 7 && pv.bytes_left == 1000));
  auto pf = round_trip(sys, piece_failed_hash{6, {1, 2}, {2}});
  CHECK((pf.charged.size() == 2 && pf.banned == std::vector<std::uint64_t>{2}));
  auto ja = round_trip(sys, join_answer{false, "limit", {3, {}, {}, {{}, {}}, {}}});
  CHECK((!ja.accepted && ja.reason == "limit" && ja.parts.generation == 3 &&
         ja.parts.disk_writers.size() == 2));
  round_trip(sys, get_parts{});
  CHECK(round_trip(sys, find_torrent{"ab"}).info_hash == "ab");
  CHECK(round_trip(sys, pause_downloads{true}).paused);
  auto rep = round_trip(sys, peer_report{4, 1.5, 2.5, 100, 200, true, true, false, false, true});
  CHECK((rep.download_rate == 1.5 && rep.uploaded == 200 && rep.seed));
  CHECK(round_trip(sys, peer_gone{4}).peer == 4);
  CHECK(round_trip(sys, choker_interest{4, true}).interested);
  CHECK(round_trip(sys, choker_rates{4, 1, 2, true}).snubbed);
  CHECK(round_trip(sys, choker_seeding{true}).seeding);
  CHECK_FALSE(round_trip(sys, set_choke{false}).choke);
  round_trip(sys, get_progress{});
  torrent_progress tp;
  tp.name = "n";
  tp.state = torrent_state::seeding;
  tp.bytes_left = 5;
  tp.error = "e";
  tp.supervision.push_back({"choker", 2, "killed"});
  auto tp2 = round_trip(sys, tp);
  CHECK((tp2.name == "n" && tp2.state == torrent_state::seeding && tp2.bytes_left == 5));
  REQUIRE(tp2.supervision.size() == 1);
  CHECK((tp2.supervision[0].actor == "choker" && tp2.supervision[0].restarts == 2 &&
         tp2.supervision[0].last_failure == "killed"));
  auto sp = round_trip(sys, session_progress{{tp, tp}});
  CHECK(sp.torrents.size() == 2);
  round_trip(sys, torrent_stop{});
  CHECK(round_trip(sys, torrent_stopped{true, "ok"}).resume_saved);
  auto ta = round_trip(sys, torrent_added{true, "abcd", {}});
  CHECK((ta.ok && ta.info_hash == "abcd"));
  auto sc = round_trip(sys, storage_checked{"\xf0", true, "changed", {}});
  CHECK((sc.verified_bits == "\xf0" && sc.rechecked && sc.reason == "changed"));
  auto rp = round_trip(sys, reconnect_peer{peer_address::v4_address({10, 0, 0, 1}, 7)});
  CHECK(rp.address.port == 7);
  // Messages carrying actor handles: a null handle round-trips as null.
  CHECK_FALSE(round_trip(sys, peer_registered{1, {}}).actor);
  CHECK_FALSE(round_trip(sys, choker_add{1, {}, true}).actor);
  CHECK(round_trip(sys, set_disk_writers{{{}, {}}}).disk_writers.size() == 2);
  CHECK(round_trip(sys, peer_joined{1, peer_address::v4_address({1, 2, 3, 4}, 5), {}}).peer == 1);
  CHECK(round_trip(sys, piece_write_failed{12}).piece == 12);
}

TEST_CASE("messages print readably for the message log", "[messages]") {
  auto text = caf::deep_to_string(tracker_stats{10, 20, 30});
  CHECK(text == "tracker_stats(10, 20, 30)");
}
