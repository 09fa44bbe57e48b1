// Which shipment each proof image was uploaded for (the proofs table): statements and row
// mapping, each function one step of the caller's transaction.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <pqxx/transaction>

#include "shipping-service/src/proof_store.h"

namespace oms {
struct PreparedStatement;
}

namespace oms::shipping {

const std::vector<PreparedStatement>& ProofStatements();

// Records that `proof` belongs to the shipment; does nothing when it already does.
void InsertProof(pqxx::work& tx, const std::string& shipment_id, const StoredProof& proof);

// The proof uploaded for that shipment under that digest; nullopt when none was.
[[nodiscard]] std::optional<StoredProof> FindProof(pqxx::work& tx, const std::string& shipment_id,
                                                   const std::string& sha256);

}  // namespace oms::shipping
