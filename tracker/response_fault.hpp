// Fault injection at the tracker transports (config section "faults"; off by default): what
// happens to one operation's answer from a tracker before we read it. The transports apply it
// where the bytes arrive, so that what follows is their real handling of a lost or garbled
// answer, not an imitation of it:
//  - drop: the answer is never read. HTTP pauses the transfer at the first byte of the
//    response, so libcurl's own total timeout ends it; UDP throws away every answer that
//    arrives while the operation runs, so BEP 15 retransmission runs until it times out.
//    (For UDP the answers are all datagrams but connect responses: the connection handshake
//    goes through, so the tracker does see the announce whose answer is lost, as over HTTP.)
//  - corrupt: the answer is cut to its first half before it is parsed (HTTP: the body of a
//    200 reply; UDP: every answer of the operation). Neither format survives that: bencode
//    is prefix-free (no proper prefix of a value is a value), and a BEP 15 answer halved is
//    shorter than its fixed header or ragged. The one exception is an 8-byte UDP answer
//    (opentracker's "not tracked"), which halved no longer carries its transaction id and is
//    ignored like any stray datagram, so that operation times out instead.
#pragma once

#include <cstdint>
#include <string_view>

namespace actorrent {

enum class response_fault : std::uint8_t { none, drop, corrupt };

inline const char* to_string(response_fault f) {
  switch (f) {
    case response_fault::none:
      return "none";
    case response_fault::drop:
      return "dropped";
    case response_fault::corrupt:
      return "garbled";
  }
  return "unknown";
}

// What a corrupted answer becomes.
inline std::string_view garbled(std::string_view answer) {
  return answer.substr(0, answer.size() / 2);
}

}  // namespace actorrent
