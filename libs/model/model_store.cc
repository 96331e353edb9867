#include "libs/model/model_store.h"

#include <ctime>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "libs/common/status_macros.h"
#include "libs/common/time.h"
#include "libs/storage/kv_store.h"

namespace chatrec::model {
namespace {

using storage::KvStore;

const std::vector<std::string>& ModelColumnFamilies() {
  static const std::vector<std::string> kCfs = {"versions", "tensors", "meta"};
  return kCfs;
}

std::string TensorKey(const std::string& version, const std::string& name) {
  return absl::StrCat(version, "/", name);
}

void PutTensor(KvStore::Batch* batch, const std::string& version, const std::string& name,
               const std::vector<float>& values, std::vector<int64_t> shape) {
  internal::Tensor t;
  for (int64_t s : shape) t.add_shape(s);
  t.mutable_values()->Add(values.begin(), values.end());
  batch->PutProto("tensors", TensorKey(version, name), t);
}

absl::Status GetTensor(const KvStore& store, const std::string& version, const std::string& name,
                       size_t expected, std::vector<float>* out) {
  internal::Tensor t;
  ASSIGN_OR_RETURN(bool found, store.GetProto("tensors", TensorKey(version, name), &t));
  if (!found) return absl::DataLossError(absl::StrCat("model ", version, " has no tensor ", name));
  if (static_cast<size_t>(t.values_size()) != expected) {
    return absl::DataLossError(absl::StrCat("model ", version, " tensor ", name, " has ", t.values_size(),
                                            " values, expected ", expected));
  }
  out->assign(t.values().begin(), t.values().end());
  return absl::OkStatus();
}

// A sparse term (libs/model/item_item.h) as four tensors "<name>_offsets", "_neighbours", "_weights", "_scale".
absl::Status PutItemItem(KvStore::Batch* batch, const std::string& version, const std::string& name,
                         const ItemItem& ii, size_t rows) {
  if (ii.offsets.size() != rows + 1 || ii.neighbours.size() != ii.weights.size() ||
      static_cast<size_t>(ii.offsets.back()) != ii.neighbours.size()) {
    return absl::InvalidArgumentError(absl::StrCat(name, " term has inconsistent shapes"));
  }
  PutTensor(batch, version, name + "_offsets", std::vector<float>(ii.offsets.begin(), ii.offsets.end()),
            {static_cast<int64_t>(rows + 1)});
  PutTensor(batch, version, name + "_neighbours", std::vector<float>(ii.neighbours.begin(), ii.neighbours.end()),
            {static_cast<int64_t>(ii.neighbours.size())});
  PutTensor(batch, version, name + "_weights", ii.weights, {static_cast<int64_t>(ii.weights.size())});
  PutTensor(batch, version, name + "_scale", {ii.scale}, {1});
  return absl::OkStatus();
}

// Leaves `out` empty when the version has no such term; `rows` < 0: any number of rows.
absl::Status GetItemItem(const KvStore& store, const std::string& version, const std::string& name, int64_t rows,
                         ItemItem* out) {
  internal::Tensor offsets;
  ASSIGN_OR_RETURN(bool found, store.GetProto("tensors", TensorKey(version, name + "_offsets"), &offsets));
  if (!found) return absl::OkStatus();
  if (offsets.values_size() < 1 || (rows >= 0 && offsets.values_size() != rows + 1)) {
    return absl::DataLossError(absl::StrCat(name, " offsets do not match the rows"));
  }
  out->offsets.assign(offsets.values().begin(), offsets.values().end());
  std::vector<float> neighbours, scale;
  const size_t nnz = out->offsets.back();
  RETURN_IF_ERROR(GetTensor(store, version, name + "_neighbours", nnz, &neighbours));
  RETURN_IF_ERROR(GetTensor(store, version, name + "_weights", nnz, &out->weights));
  RETURN_IF_ERROR(GetTensor(store, version, name + "_scale", 1, &scale));
  out->neighbours.assign(neighbours.begin(), neighbours.end());
  out->scale = scale[0];
  return absl::OkStatus();
}

}  // namespace

std::string NewModelVersion() {
  int64_t ms = NowMs();
  std::time_t secs = ms / 1000;
  std::tm tm;
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%d-%H%M%S", &tm);
  return absl::StrCat("v", buf, "-", ms % 1000);
}

absl::Status SaveModel(const std::string& path, const Model& m, const std::string& trainer) {
  if (m.version.empty()) return absl::InvalidArgumentError("model version is empty");
  const size_t d = m.dim, n = m.item_ids.size(), e = m.entity_ids.size();
  const size_t k = m.kg_dim, ke = m.kg_entity_ids.size(), kr = m.kg_relation_ids.size();
  if (m.item_vectors.size() != n * d || m.item_bias.size() != n || m.a.size() != d * d ||
      m.b.size() != d * d || m.c.size() != static_cast<size_t>(m.h_dim()) * d || m.gram.size() != d * d ||
      m.entity_vectors.size() != e * d || m.kg_entity_vectors.size() != ke * k ||
      m.kg_relation_vectors.size() != kr * k) {
    return absl::InvalidArgumentError("model tensors have inconsistent shapes");
  }
  ASSIGN_OR_RETURN(auto store, KvStore::Open({.path = path, .column_families = ModelColumnFamilies()}));
  internal::ModelMeta meta;
  if (*store->GetProto("versions", m.version, &meta)) {
    return absl::AlreadyExistsError(absl::StrCat("model version ", m.version, " exists"));
  }
  meta.set_version(m.version);
  meta.set_dim(m.dim);
  meta.set_items(static_cast<int64_t>(n));
  meta.set_entities(static_cast<int64_t>(e));
  meta.set_created_ms(NowMs());
  meta.set_trainer(trainer);
  for (const auto& [key, v] : m.metrics) (*meta.mutable_metrics())[key] = v;
  meta.set_kg_method(m.kg_method);
  meta.set_kg_dim(m.kg_dim);
  meta.set_kg_epochs(m.kg_epochs);
  meta.set_kg_source(m.kg_source);
  meta.set_kg_entities(static_cast<int64_t>(ke));
  meta.set_kg_relations(static_cast<int64_t>(kr));
  if (auto it = m.metrics.find("head_bpr"); it != m.metrics.end()) meta.set_head(it->second > 0 ? "bpr" : "grid");

  KvStore::Batch batch;
  std::vector<float> ids(m.item_ids.begin(), m.item_ids.end());  // ids < 2^24 fit exactly
  for (int64_t id : m.item_ids) {
    if (id >= (int64_t{1} << 24)) return absl::InvalidArgumentError("item id too large for the model store");
  }
  PutTensor(&batch, m.version, "item_ids", ids, {static_cast<int64_t>(n)});
  PutTensor(&batch, m.version, "item_vectors", m.item_vectors, {static_cast<int64_t>(n), m.dim});
  PutTensor(&batch, m.version, "item_bias", m.item_bias, {static_cast<int64_t>(n)});
  PutTensor(&batch, m.version, "A", m.a, {m.dim, m.dim});
  PutTensor(&batch, m.version, "B", m.b, {m.dim, m.dim});
  PutTensor(&batch, m.version, "C", m.c, {m.h_dim(), m.dim});
  PutTensor(&batch, m.version, "gram", m.gram, {m.dim, m.dim});
  PutTensor(&batch, m.version, "als", {m.als_lambda, m.als_alpha}, {2});
  PutTensor(&batch, m.version, "entity_vectors", m.entity_vectors, {static_cast<int64_t>(e), m.dim});
  batch.Put("tensors", TensorKey(m.version, "entity_ids"), absl::StrJoin(m.entity_ids, "\n"));
  if (k > 0) {
    PutTensor(&batch, m.version, "kg_entity_vectors", m.kg_entity_vectors, {static_cast<int64_t>(ke), m.kg_dim});
    PutTensor(&batch, m.version, "kg_relation_vectors", m.kg_relation_vectors, {static_cast<int64_t>(kr), m.kg_dim});
    batch.Put("tensors", TensorKey(m.version, "kg_entity_ids"), absl::StrJoin(m.kg_entity_ids, "\n"));
    batch.Put("tensors", TensorKey(m.version, "kg_relation_ids"), absl::StrJoin(m.kg_relation_ids, "\n"));
  }
  if (!m.item_item.offsets.empty()) {  // optional: libs/model/item_item.h
    RETURN_IF_ERROR(PutItemItem(&batch, m.version, "item_item", m.item_item, n));
  }
  if (!m.entity_item.offsets.empty()) {  // optional: the entity-item term
    RETURN_IF_ERROR(PutItemItem(&batch, m.version, "entity_item", m.entity_item, m.entity_item_ids.size()));
    batch.Put("tensors", TensorKey(m.version, "entity_item_ids"), absl::StrJoin(m.entity_item_ids, "\n"));
  }
  batch.PutProto("versions", m.version, meta);
  // Readers look at "latest" first, and it moves in the same atomic batch.
  batch.Put("meta", "latest", m.version);
  RETURN_IF_ERROR(store->Write(batch));
  return store->Flush();
}

absl::StatusOr<std::vector<internal::ModelMeta>> ListModels(const std::string& path) {
  ASSIGN_OR_RETURN(auto store,
                   KvStore::Open({.path = path, .column_families = ModelColumnFamilies(), .read_only = true}));
  std::vector<internal::ModelMeta> out;
  RETURN_IF_ERROR(store->Scan("versions", "", [&](std::string_view, std::string_view v) {
    out.emplace_back().ParseFromArray(v.data(), static_cast<int>(v.size()));
    return true;
  }));
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.created_ms() < b.created_ms(); });
  return out;
}

absl::StatusOr<std::string> LatestModelVersion(const std::string& path) {
  ASSIGN_OR_RETURN(auto store,
                   KvStore::Open({.path = path, .column_families = ModelColumnFamilies(), .read_only = true}));
  auto latest = store->Get("meta", "latest");
  if (absl::IsNotFound(latest.status())) return std::string();
  return latest;
}

absl::StatusOr<ModelPtr> LoadModel(const std::string& path, const std::string& version) {
  ASSIGN_OR_RETURN(auto store,
                   KvStore::Open({.path = path, .column_families = ModelColumnFamilies(), .read_only = true}));
  std::string v = version;
  if (v.empty()) {
    auto latest = store->Get("meta", "latest");
    if (absl::IsNotFound(latest.status())) {
      return absl::NotFoundError(absl::StrCat("no model in ", path, "; run `chatrec train`"));
    }
    RETURN_IF_ERROR(latest.status());
    v = *latest;
  }
  internal::ModelMeta meta;
  ASSIGN_OR_RETURN(bool found, store->GetProto("versions", v, &meta));
  if (!found) return absl::NotFoundError(absl::StrCat("model version ", v, " not found in ", path));
  auto m = std::make_shared<Model>();
  m->version = v;
  m->dim = meta.dim();
  const size_t d = meta.dim(), n = meta.items(), e = meta.entities();
  std::vector<float> ids, als;
  RETURN_IF_ERROR(GetTensor(*store, v, "item_ids", n, &ids));
  m->item_ids.assign(ids.begin(), ids.end());
  RETURN_IF_ERROR(GetTensor(*store, v, "item_vectors", n * d, &m->item_vectors));
  RETURN_IF_ERROR(GetTensor(*store, v, "item_bias", n, &m->item_bias));
  RETURN_IF_ERROR(GetTensor(*store, v, "A", d * d, &m->a));
  RETURN_IF_ERROR(GetTensor(*store, v, "B", d * d, &m->b));
  m->kg_dim = meta.kg_dim();
  RETURN_IF_ERROR(GetTensor(*store, v, "C", static_cast<size_t>(m->h_dim()) * d, &m->c));
  RETURN_IF_ERROR(GetTensor(*store, v, "gram", d * d, &m->gram));
  RETURN_IF_ERROR(GetTensor(*store, v, "als", 2, &als));
  m->als_lambda = als[0];
  m->als_alpha = als[1];
  RETURN_IF_ERROR(GetTensor(*store, v, "entity_vectors", e * d, &m->entity_vectors));
  ASSIGN_OR_RETURN(std::string entity_ids, store->Get("tensors", TensorKey(v, "entity_ids")));
  if (e > 0) m->entity_ids = absl::StrSplit(entity_ids, '\n');
  if (m->entity_ids.size() != e) return absl::DataLossError("model entity ids do not match their vectors");
  for (const auto& [key, val] : meta.metrics()) m->metrics[key] = val;
  if (m->kg_dim > 0) {
    const size_t k = m->kg_dim, ke = meta.kg_entities(), kr = meta.kg_relations();
    m->kg_method = meta.kg_method();
    m->kg_source = meta.kg_source();
    m->kg_epochs = meta.kg_epochs();
    RETURN_IF_ERROR(GetTensor(*store, v, "kg_entity_vectors", ke * k, &m->kg_entity_vectors));
    RETURN_IF_ERROR(GetTensor(*store, v, "kg_relation_vectors", kr * k, &m->kg_relation_vectors));
    ASSIGN_OR_RETURN(std::string kg_entity_ids, store->Get("tensors", TensorKey(v, "kg_entity_ids")));
    ASSIGN_OR_RETURN(std::string kg_relation_ids, store->Get("tensors", TensorKey(v, "kg_relation_ids")));
    if (ke > 0) m->kg_entity_ids = absl::StrSplit(kg_entity_ids, '\n');
    if (kr > 0) m->kg_relation_ids = absl::StrSplit(kg_relation_ids, '\n');
    if (m->kg_entity_ids.size() != ke || m->kg_relation_ids.size() != kr) {
      return absl::DataLossError("model KG ids do not match their vectors");
    }
  }
  // The item-item and entity-item terms are optional (older versions have none).
  RETURN_IF_ERROR(GetItemItem(*store, v, "item_item", n, &m->item_item));
  RETURN_IF_ERROR(GetItemItem(*store, v, "entity_item", -1, &m->entity_item));
  if (!m->entity_item.offsets.empty()) {
    ASSIGN_OR_RETURN(std::string ids, store->Get("tensors", TensorKey(v, "entity_item_ids")));
    m->entity_item_ids = absl::StrSplit(ids, '\n');
    if (m->entity_item_ids.size() + 1 != m->entity_item.offsets.size()) {
      return absl::DataLossError("entity-item ids do not match their rows");
    }
  }
  m->Index();
  return ModelPtr(std::move(m));
}

}  // namespace chatrec::model
