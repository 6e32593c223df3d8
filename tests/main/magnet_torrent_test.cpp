#include <catch2/catch.hpp>

#include <string>

#include "main/magnet_torrent.hpp"
#include "protocol/metainfo.hpp"
#include "protocol/sha1.hpp"

using namespace actorrent;

namespace {

// A small single-file info dictionary: 3 pieces of 16 KiB.
const std::string info =
    "d6:lengthi40000e4:name8:file.bin12:piece lengthi16384e6:pieces60:" + std::string(60, 'h') +
    "e";

magnet_link link_for(const std::string& bytes) {
  magnet_link m;
  m.info_hash = sha1(bytes);
  m.trackers = {"http://127.0.0.1:6969/announce", "udp://127.0.0.1:6969"};
  return m;
}

}  // namespace

TEST_CASE("magnet torrent: the fetched dictionary with the link's trackers, each a tier",
          "[magnet_torrent]") {
  auto m = metainfo_from_magnet(link_for(info), info);
  REQUIRE(m);
  CHECK(m->name == "file.bin");
  CHECK(m->num_pieces() == 3);
  CHECK(m->tracker_tiers == std::vector<std::vector<std::string>>{
                                {"http://127.0.0.1:6969/announce"}, {"udp://127.0.0.1:6969"}});
}

TEST_CASE("magnet torrent: the kept .torrent parses back to the same info-hash and trackers",
          "[magnet_torrent]") {
  auto m = metainfo_from_magnet(link_for(info), info);
  REQUIRE(m);
  const auto bytes = torrent_file_bytes(*m);
  // The info dictionary is kept byte for byte.
  CHECK(bytes.find("4:info" + info + "e") == bytes.size() - info.size() - 7);
  auto back = parse_metainfo(bytes);
  REQUIRE(back);
  CHECK(back->info_hash == m->info_hash);
  CHECK(back->tracker_tiers == m->tracker_tiers);

  magnet_link bare;
  bare.info_hash = sha1(info);
  auto no_trackers = metainfo_from_magnet(bare, info);
  REQUIRE(no_trackers);
  auto back2 = parse_metainfo(torrent_file_bytes(*no_trackers));
  REQUIRE(back2);
  CHECK(back2->tracker_tiers.empty());
}

TEST_CASE("magnet torrent: errors name the info-hash", "[magnet_torrent]") {
  auto link = link_for(info);
  auto wrong = metainfo_from_magnet(
      link, "d6:lengthi1e4:name1:x12:piece lengthi16384e6:pieces20:" + std::string(20, 'h') + "e");
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().rfind(link.info_hash.hex() + ": metadata hashes to ", 0) == 0);
  auto bad = metainfo_from_magnet(link, "d4:name1:xe");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().rfind(link.info_hash.hex() + ": metadata: ", 0) == 0);
}

TEST_CASE("magnet torrent: so= selects files by index, those beyond the torrent are ignored",
          "[magnet_torrent]") {
  const std::string multi =
      "d5:filesld6:lengthi100e4:pathl1:aeed6:lengthi200e4:pathl1:beed6:lengthi300e4:pathl1:ceee"
      "4:name3:dir12:piece lengthi16384e6:pieces20:" +
      std::string(20, 'h') + "e";
  auto link = link_for(multi);
  auto m = metainfo_from_magnet(link, multi);
  REQUIRE(m);
  REQUIRE(m->files.size() == 3);
  CHECK(magnet_file_selection(link, *m).only.empty());  // no so=: every file
  link.select_only = {0, 2, 3, 9};
  auto s = magnet_file_selection(link, *m);
  CHECK(s.only == std::vector<std::string>{"0", "2"});
  CHECK(s.ignored == std::vector<std::uint32_t>{3, 9});
}
