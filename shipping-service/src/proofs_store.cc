#include "shipping-service/src/proofs_store.h"

#include <pqxx/pqxx>

#include "common/pg_pool.h"

namespace oms::shipping {
namespace {

constexpr char kProofsInsert[] = "proofs_insert";
constexpr char kProofsFind[] = "proofs_find";

}  // namespace

const std::vector<PreparedStatement>& ProofStatements() {
  static const std::vector<PreparedStatement> kStatements = {
      {kProofsInsert,
       "INSERT INTO proofs (shipment_id, sha256, content_type, size) VALUES ($1::uuid, $2, $3, $4) "
       "ON CONFLICT (shipment_id, sha256) DO NOTHING"},
      {kProofsFind,
       "SELECT sha256, content_type, size FROM proofs WHERE shipment_id = $1::uuid AND sha256 = "
       "$2"},
  };
  return kStatements;
}

void InsertProof(pqxx::work& tx, const std::string& shipment_id, const StoredProof& proof) {
  tx.exec_prepared(kProofsInsert, shipment_id, proof.sha256, proof.content_type, proof.size);
}

std::optional<StoredProof> FindProof(pqxx::work& tx, const std::string& shipment_id,
                                     const std::string& sha256) {
  pqxx::result rows = tx.exec_prepared(kProofsFind, shipment_id, sha256);
  if (rows.empty()) return std::nullopt;
  return StoredProof{rows[0]["sha256"].as<std::string>(), rows[0]["content_type"].as<std::string>(),
                     rows[0]["size"].as<std::int64_t>()};
}

}  // namespace oms::shipping
