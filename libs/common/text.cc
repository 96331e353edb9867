#include "libs/common/text.h"

#include <cctype>
#include <cstdint>

namespace chatrec {

std::string Latin1ToUtf8(std::string_view in) {
  std::string out;
  out.reserve(in.size() + in.size() / 8);
  for (unsigned char c : in) {
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return out;
}

namespace {
// Base letter of a Latin-1 supplement code point (U+00C0..U+00FF), or 0.
char FoldLatin1(uint32_t cp) {
  static const char* kMap =
      "AAAAAAACEEEEIIII"   // C0-CF
      "DNOOOOOxOUUUUYTs"   // D0-DF
      "aaaaaaaceeeeiiii"   // E0-EF
      "dnooooo/ouuuuyty";  // F0-FF
  if (cp < 0xC0 || cp > 0xFF) return 0;
  return kMap[cp - 0xC0];
}
}  // namespace

std::string NormalizeForMatch(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  bool pending_space = false;
  auto emit = [&](char c) {
    if (pending_space && !out.empty()) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  };
  for (size_t i = 0; i < in.size(); ++i) {
    unsigned char c = in[i];
    if (c < 0x80) {
      if (std::isalnum(c)) {
        emit(static_cast<char>(std::tolower(c)));
      } else if (c == '\'') {
        // "Schindler's" -> "schindlers": apostrophes join, they do not split.
      } else {
        pending_space = true;
      }
      continue;
    }
    // Two-byte UTF-8 sequences cover Latin-1; anything longer is a separator.
    if ((c & 0xE0) == 0xC0 && i + 1 < in.size()) {
      uint32_t cp = ((c & 0x1F) << 6) | (static_cast<unsigned char>(in[i + 1]) & 0x3F);
      ++i;
      char base = FoldLatin1(cp);
      if (base != 0 && std::isalpha(static_cast<unsigned char>(base))) {
        emit(static_cast<char>(std::tolower(base)));
        continue;
      }
    } else {
      while (i + 1 < in.size() && (static_cast<unsigned char>(in[i + 1]) & 0xC0) == 0x80) ++i;
    }
    pending_space = true;
  }
  return out;
}

std::vector<std::string> SplitFields(std::string_view line, char sep) {
  std::vector<std::string> fields;
  size_t start = 0;
  while (true) {
    size_t pos = line.find(sep, start);
    if (pos == std::string_view::npos) {
      fields.emplace_back(line.substr(start));
      return fields;
    }
    fields.emplace_back(line.substr(start, pos - start));
    start = pos + 1;
  }
}

std::string LocalName(std::string_view uri) {
  size_t pos = uri.rfind('/');
  return std::string(pos == std::string_view::npos ? uri : uri.substr(pos + 1));
}

std::string NameFromResource(std::string_view local_name) {
  std::string name(local_name);
  size_t paren = name.find("_(");
  if (paren != std::string::npos && paren > 0) name.resize(paren);
  for (char& c : name) {
    if (c == '_') c = ' ';
  }
  return name;
}

}  // namespace chatrec
