// Where each store lives under a --store_dir, and which column families it has.
// Every binary uses these, so the CLI and the services agree on one layout.
#pragma once

#include <string>
#include <vector>

namespace chatrec::storage {

struct StoreLayout {
  explicit StoreLayout(std::string root) : root(std::move(root)) {}
  std::string root;
  std::string catalog() const { return root + "/catalog"; }    // items, KG, users
  std::string model() const { return root + "/model"; }        // versioned model parameters
  std::string feedback() const { return root + "/feedback"; }  // events and derived user state
  std::string dialogue() const { return root + "/dialogue"; }  // sessions (TTL)
};

inline const std::vector<std::string>& CatalogColumnFamilies() {
  static const std::vector<std::string> kCfs = {"items", "entities", "users", "meta"};
  return kCfs;
}

}  // namespace chatrec::storage
