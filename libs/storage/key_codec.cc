#include "libs/storage/key_codec.h"

namespace chatrec::storage::keys {

void AppendU64(std::string* key, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) key->push_back(static_cast<char>((v >> shift) & 0xFF));
}

void AppendI64(std::string* key, int64_t v) {
  AppendU64(key, static_cast<uint64_t>(v) ^ (uint64_t{1} << 63));
}

void AppendString(std::string* key, std::string_view s) {
  uint32_t n = static_cast<uint32_t>(s.size());
  for (int shift = 24; shift >= 0; shift -= 8) key->push_back(static_cast<char>((n >> shift) & 0xFF));
  key->append(s);
}

bool ReadU64(std::string_view* in, uint64_t* v) {
  if (in->size() < 8) return false;
  uint64_t r = 0;
  for (int i = 0; i < 8; ++i) r = (r << 8) | static_cast<unsigned char>((*in)[i]);
  in->remove_prefix(8);
  *v = r;
  return true;
}

bool ReadI64(std::string_view* in, int64_t* v) {
  uint64_t u;
  if (!ReadU64(in, &u)) return false;
  *v = static_cast<int64_t>(u ^ (uint64_t{1} << 63));
  return true;
}

bool ReadString(std::string_view* in, std::string* s) {
  if (in->size() < 4) return false;
  uint32_t n = 0;
  for (int i = 0; i < 4; ++i) n = (n << 8) | static_cast<unsigned char>((*in)[i]);
  in->remove_prefix(4);
  if (in->size() < n) return false;
  s->assign(in->substr(0, n));
  in->remove_prefix(n);
  return true;
}

}  // namespace chatrec::storage::keys
