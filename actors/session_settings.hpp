// Every setting of a client session, with its default. The JSON config (main/client_config)
// fills this struct, key for key; command-line flags override what they name. Actors read
// it; nothing here parses or validates input.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "actors/message_log_settings.hpp"
#include "actors/peer_connection.hpp"
#include "engine/choker.hpp"
#include "engine/fault_schedule.hpp"
#include "engine/piece_picker.hpp"
#include "engine/request_pipeline.hpp"
#include "engine/restart_policy.hpp"
#include "protocol/magnet.hpp"
#include "protocol/metainfo.hpp"
#include "protocol/peer_address.hpp"

namespace actorrent {

// Faults injected on purpose (tests, experiments); all off by default.
struct fault_settings {
  // Kill one peer actor of each torrent, chosen at random, with an error this often.
  std::chrono::milliseconds kill_peer_interval{0};  // 0: never
  // Disk writes that fail, and with which errno (EIO or ENOSPC).
  fault_schedule disk_write;
  int disk_write_errno = 5;  // EIO
  // Tracker responses thrown away as if lost, or garbled before they are parsed.
  fault_schedule tracker_drop;
  fault_schedule tracker_corrupt;
  // Seeds the random choices (which peer is killed); 0: a random seed.
  std::uint64_t seed = 0;
};

// How a torrent supervises its own parts (the piece manager with its disk writers, the
// choker, the tracker actor): a failed part is restarted with its state rebuilt, at most
// max_restarts times within `window`; one more failure puts the torrent in the error state.
struct part_supervision_config {
  std::size_t max_restarts = 5;
  std::chrono::seconds window{60};
};

// Local Service Discovery (BEP 14): announces on a multicast group, one interface. Off by
// default: it sends to the local network, which a test or a quiet machine must not do unasked.
struct lsd_settings {
  bool enabled = false;
  std::string group = "239.192.152.143";  // BEP 14's IPv4 group
  std::uint16_t port = 6771;
  // The interface to announce and listen on, by its IPv4 address; 0.0.0.0: the kernel's
  // choice (the default route's).
  std::string interface_address = "0.0.0.0";
  std::chrono::seconds interval{300};  // each torrent re-announced this often (BEP 14: 5 min)
};

// The DHT (BEP 5): a node on a UDP port, searching peers for the torrents that are not
// private and announcing them.
struct dht_settings {
  bool enabled = true;
  // UDP port; nullopt: the listen port's number (as other clients do); 0: any free port.
  std::optional<std::uint16_t> port;
  // Nodes to join the DHT through when the routing table is empty: "host:port". None by
  // default, so that nothing on the internet is contacted unless asked for (README: add a
  // router such as router.bittorrent.com:6881 here).
  std::vector<std::string> bootstrap;
  std::size_t max_lookups = 8;    // iterative lookups running at once
  std::size_t max_queries = 256;  // KRPC queries waiting for an answer
  // The routing table (our node id, the nodes we know), in the state directory.
  std::string state_file = "dht.dat";
};

struct session_settings {
  // Where incoming peer connections are accepted. Port 0 picks a free port.
  std::string listen_address = "0.0.0.0";
  std::uint16_t listen_port = 6881;
  // Where torrents without a directory of their own are downloaded to.
  std::filesystem::path download_dir = ".";
  // Resume data (one file per info-hash). Empty: "<download_dir>/.actorrent".
  std::filesystem::path state_dir;

  // Bytes per second; 0 = unlimited.
  std::uint64_t download_limit = 0;
  std::uint64_t upload_limit = 0;

  std::size_t max_connections = 200;             // global
  std::size_t max_connections_per_torrent = 50;  // per torrent
  std::size_t max_incoming_requests = 250;       // per peer, queued uploads
  // Threads that write and hash received pieces, per torrent; 0: one per core, at most 4.
  std::size_t disk_threads = 0;
  // A torrent paused because the disk was full tries writing again this often.
  std::chrono::seconds disk_full_retry{10};

  choker_config choker;
  request_pipeline_config pipeline;
  piece_picker_config picker;
  restart_policy_config supervision;
  part_supervision_config part_supervision;
  peer_connection_options connection;  // the pool is the session's, whatever is set here

  // Tracker announces.
  std::int32_t numwant = 50;

  // Peer exchange (BEP 11) with peers that speak ut_pex; never for a private torrent.
  bool pex = true;
  lsd_settings lsd;
  dht_settings dht;

  fault_settings faults;

  // Human log: "trace", "debug", "info", "warn", "error", "off"; empty file = stderr.
  std::string log_level = "warn";
  std::filesystem::path log_file;

  message_log_settings message_log;  // off unless it names a file
};

// One torrent to add to a session.
struct torrent_params {
  std::shared_ptr<const metainfo> torrent;
  // Instead of `torrent`: a magnet link, whose info dictionary the command line fetches
  // (client::fetch_metadata) before it adds the torrent.
  std::optional<magnet_link> magnet;
  std::filesystem::path download_dir;  // empty: the session's
  std::vector<peer_address> peers;     // connected to directly, without a tracker
  bool seed = true;                    // keep seeding once complete (false: stop then)
  bool sequential = false;
  // Files to download: indexes ("3") or globs over the file's path ("*.mkv", "docs/*").
  // Empty: every file.
  std::vector<std::string> only;
  std::uint64_t download_limit = 0;  // this torrent's own limits, under the session's
  std::uint64_t upload_limit = 0;
};

}  // namespace actorrent
