// The extension messages we speak over the BEP 10 extension protocol, the ids we assign to
// them, and the ids a peer assigned to them.
//
// BEP 10 ids are chosen by the receiver: each side's handshake says "send me <name> with id
// N". So an extended message that reaches us carries one of *our* ids (decoded with
// extension_from_local_id), and one we send carries one of *the peer's* ids (looked up in
// peer_extension_ids). Our ids are fixed here, once, so that they never change between
// versions or connections: the message log and tests can rely on them.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace actorrent {

// An extension's name as it appears in the handshake's `m` → the id to use; 0 disables it.
using extension_map = std::map<std::string, std::uint8_t, std::less<>>;

// Our extensions; each value is also the id we ask peers to use for it. Never renumber:
// add new ones at the end. 0 is the handshake itself (BEP 10) and is not an extension.
enum class extension : std::uint8_t {
  ut_metadata = 1,  // BEP 9
  ut_pex = 2,       // BEP 11
};

inline constexpr std::array<extension, 2> all_extensions = {extension::ut_metadata,
                                                            extension::ut_pex};

std::string_view extension_name(extension e);  // "ut_metadata", "ut_pex"
constexpr std::uint8_t local_id(extension e) {
  return static_cast<std::uint8_t>(e);
}
// Which of our extensions an incoming extended message belongs to; nullopt for 0 (the
// handshake) and for ids we never assigned (BEP 10: ignore what is not understood).
std::optional<extension> extension_from_local_id(std::uint8_t id);

// The `m` dictionary we send. PEX is left out where it must not run (private torrents,
// BEP 27), so that peers do not send us what we would ignore.
extension_map our_extension_map(bool pex_enabled);

// The ids a peer wants our messages sent with, from its handshakes. BEP 10 makes later
// handshakes additive: a name not mentioned keeps its id, id 0 disables it. Names we do not
// speak are ignored.
class peer_extension_ids {
 public:
  void apply(const extension_map& m);
  // The id to send `e` with; nullopt when the peer has not enabled it.
  std::optional<std::uint8_t> id_for(extension e) const;
  bool supports(extension e) const { return id_for(e).has_value(); }

 private:
  std::array<std::uint8_t, all_extensions.size() + 1> ids_{};  // by our id; 0 = disabled
};

}  // namespace actorrent
