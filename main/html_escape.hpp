// Text made safe for an HTML page: for an element's content and for a quoted attribute's value
// (double or single quotes). Shared by the pages written without a template engine (`log
// timeline --html`, the experiment's report.html). Bytes other than the five escaped are
// copied as they are: UTF-8 names stay readable.
#pragma once

#include <string>
#include <string_view>

namespace actorrent {

inline std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (char c : s)
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  return out;
}

}  // namespace actorrent
