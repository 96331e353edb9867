// Order-preserving key encodings, so that RocksDB's byte order is the logical order.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace chatrec::storage::keys {

// Big-endian fixed 8 bytes: sorts like the unsigned value.
void AppendU64(std::string* key, uint64_t v);
// Sign bit flipped then big-endian: sorts like the signed value.
void AppendI64(std::string* key, int64_t v);
// Length-prefixed (u32 big-endian) so that "a" + x never collides with "ab" + y.
void AppendString(std::string* key, std::string_view s);

// Readers advance `in`; false if it is too short.
bool ReadU64(std::string_view* in, uint64_t* v);
bool ReadI64(std::string_view* in, int64_t* v);
bool ReadString(std::string_view* in, std::string* s);

inline std::string I64Key(int64_t v) {
  std::string k;
  AppendI64(&k, v);
  return k;
}
inline std::string StringKey(std::string_view s) {
  std::string k;
  AppendString(&k, s);
  return k;
}

}  // namespace chatrec::storage::keys
