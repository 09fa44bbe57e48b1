#include "order-service/src/api_keys.h"

#include <algorithm>
#include <set>

#include <google/protobuf/util/time_util.h>
#include <openssl/rand.h>
#include <pqxx/pqxx>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/pg_pool.h"
#include "common/scopes.h"
#include "common/status.h"
#include "common/validation.h"

namespace oms::order {
namespace {

using google::protobuf::util::TimeUtil;

constexpr std::size_t kSecretBytes = 32;
constexpr int kMaxScopes = 10;

constexpr char kApiKeysInsert[] = "api_keys_insert";
constexpr char kApiKeysRevoke[] = "api_keys_revoke";
constexpr char kApiKeysFindByHash[] = "api_keys_find_by_hash";
constexpr char kApiKeysCustomerExists[] = "api_keys_customer_exists";
constexpr char kApiKeysList[] = "api_keys_list";

// Scopes as one space-separated string: scopes are validated to hold no spaces.
#define OMS_API_KEY_COLUMNS                                                \
  "id::text AS id, name, array_to_string(scopes, ' ') AS scopes, "         \
  "coalesce(customer_id::text, '') AS customer_id, "                       \
  "coalesce(warehouse_id::text, '') AS warehouse_id, "                     \
  "(extract(epoch FROM created_at) * 1000000)::bigint AS created_micros, " \
  "(extract(epoch FROM revoked_at) * 1000000)::bigint AS revoked_micros, " \
  "(extract(epoch FROM expires_at) * 1000000)::bigint AS expires_micros"
// The one place the hash is computed, so creation and verification cannot disagree.
#define OMS_SECRET_HASH "encode(sha256(convert_to($1, 'UTF8')), 'hex')"

void ReadKey(const pqxx::row& row, v1::ApiKey* out) {
  out->Clear();
  out->set_id(row["id"].as<std::string>());
  out->set_name(row["name"].as<std::string>());
  for (absl::string_view scope :
       absl::StrSplit(row["scopes"].as<std::string>(), ' ', absl::SkipEmpty())) {
    out->add_scopes(std::string(scope));
  }
  out->set_customer_id(row["customer_id"].as<std::string>());
  out->set_warehouse_id(row["warehouse_id"].as<std::string>());
  *out->mutable_create_time() =
      TimeUtil::MicrosecondsToTimestamp(row["created_micros"].as<int64_t>());
  if (!row["revoked_micros"].is_null()) {
    *out->mutable_revoke_time() =
        TimeUtil::MicrosecondsToTimestamp(row["revoked_micros"].as<int64_t>());
  }
  if (!row["expires_micros"].is_null()) {
    *out->mutable_expire_time() =
        TimeUtil::MicrosecondsToTimestamp(row["expires_micros"].as<int64_t>());
  }
}

absl::Time ToTime(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) + absl::Nanoseconds(timestamp.nanos());
}

// The expiry as PostgreSQL reads a timestamptz (RFC 3339), "" for none. Cut to the
// microsecond here, as PostgreSQL would round it: a key never outlives what was asked.
std::string ExpiryText(const v1::CreateApiKeyRequest& request) {
  if (!request.has_expire_time()) return "";
  return TimeUtil::ToString(
      TimeUtil::MicrosecondsToTimestamp(TimeUtil::TimestampToMicroseconds(request.expire_time())));
}

// A ListApiKeys position: the last key's creation time (RFC 3339, which PostgreSQL reads
// exactly) and id. The payload of a page token is "<created micros>:<id>".
struct ListPosition {
  std::string created = "infinity";  // before the first page: above every key
  std::string id = "ffffffff-ffff-ffff-ffff-ffffffffffff";
};

absl::StatusOr<ListPosition> ParsePosition(const std::string& after) {
  ListPosition position;
  if (after.empty()) return position;
  std::pair<std::string, std::string> parts = absl::StrSplit(after, absl::MaxSplits(':', 1));
  int64_t micros = 0;
  if (!absl::SimpleAtoi(parts.first, &micros) || micros < 0 ||
      !ValidateUuid(parts.second, "page_token", "an API key id").ok()) {
    return InvalidField("page_token", "is not a token this server issued");
  }
  position.created = TimeUtil::ToString(TimeUtil::MicrosecondsToTimestamp(micros));
  position.id = parts.second;
  return position;
}

// Postgres array literal of validated scopes (no quotes, commas, braces or spaces in them).
std::string ArrayLiteral(const google::protobuf::RepeatedPtrField<std::string>& scopes) {
  return absl::StrCat("{", absl::StrJoin(scopes, ","), "}");
}

}  // namespace

absl::Status ValidateCreateApiKey(const v1::CreateApiKeyRequest& request, absl::Time now) {
  if (absl::Status name = ValidateText(request.name(), "name", 1, 100); !name.ok()) return name;
  if (request.scopes_size() < 1 || request.scopes_size() > kMaxScopes) {
    return InvalidField("scopes", absl::StrCat("must hold 1 to ", kMaxScopes, " scopes"));
  }
  std::set<std::string> seen;
  const auto& known = AllScopes();
  for (int i = 0; i < request.scopes_size(); ++i) {
    const std::string& scope = request.scopes(i);
    const std::string field = absl::StrCat("scopes[", i, "]");
    if (std::find(known.begin(), known.end(), scope) == known.end()) {
      return InvalidField(field, absl::StrCat("must be one of ", absl::StrJoin(known, ", ")));
    }
    if (!seen.insert(scope).second) return InvalidField(field, "is repeated");
  }
  if (!request.customer_id().empty()) {
    if (absl::Status customer = ValidateUuid(request.customer_id(), "customer_id", "a customer id");
        !customer.ok()) {
      return customer;
    }
    // Checked here, before any store is asked, so no path creates such a key.
    const auto& allowed = CustomerBoundScopes();
    for (const std::string& scope : request.scopes()) {
      if (std::find(allowed.begin(), allowed.end(), scope) == allowed.end()) {
        return InvalidField("scopes", absl::StrCat("a key bound to a customer may hold only ",
                                                   absl::StrJoin(allowed, ", "), ", not ", scope));
      }
    }
  }
  if (!request.warehouse_id().empty()) {
    if (absl::Status warehouse =
            ValidateUuid(request.warehouse_id(), "warehouse_id", "a warehouse id");
        !warehouse.ok()) {
      return warehouse;
    }
    // The binding narrows shipments:write; admin would undo it, and a customer's key holds
    // no shipment scope at all (checked above).
    const auto& scopes = request.scopes();
    if (std::find(scopes.begin(), scopes.end(), kScopeShipmentsWrite) == scopes.end() ||
        std::find(scopes.begin(), scopes.end(), kScopeAdmin) != scopes.end()) {
      return InvalidField("warehouse_id", "binds a key with shipments:write and without admin");
    }
  }
  if (request.has_expire_time()) {
    // The seconds are bounded below; nanos out of range would shift them silently.
    const int32_t nanos = request.expire_time().nanos();
    if (nanos < 0 || nanos > 999999999) {
      return InvalidField("expire_time", "must be a valid timestamp");
    }
    const absl::Time expiry = ToTime(request.expire_time());
    if (expiry <= now) return InvalidField("expire_time", "must be in the future");
    if (expiry > now + kMaxApiKeyLifetime) {
      return InvalidField(
          "expire_time",
          absl::StrCat("must be at most ", kMaxApiKeyLifetime / absl::Hours(24), " days ahead"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateApiKeySecret(const std::string& secret) {
  const std::size_t prefix = sizeof(kApiKeyPrefix) - 1;
  bool valid =
      secret.size() == prefix + 2 * kSecretBytes && absl::StartsWith(secret, kApiKeyPrefix);
  for (std::size_t i = prefix; valid && i < secret.size(); ++i) {
    valid = absl::ascii_isdigit(secret[i]) || (secret[i] >= 'a' && secret[i] <= 'f');
  }
  return valid ? absl::OkStatus()
               : InvalidField("secret", "must be oms_ followed by 64 lower-case hex digits");
}

absl::StatusOr<std::string> NewApiKeySecret() {
  unsigned char bytes[kSecretBytes];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    return absl::InternalError("the random generator failed");
  }
  return absl::StrCat(kApiKeyPrefix, absl::BytesToHexString(absl::string_view(
                                         reinterpret_cast<const char*>(bytes), sizeof bytes)));
}

const std::vector<PreparedStatement>& PgApiKeyStore::Statements() {
  static const std::vector<PreparedStatement> kStatements = {
      {kApiKeysInsert,
       "INSERT INTO api_keys (secret_hash, name, scopes, customer_id, expires_at, warehouse_id) "
       "VALUES (" OMS_SECRET_HASH ", $2, $3::text[], nullif($4, '')::uuid, "
       "nullif($5, '')::timestamptz, nullif($6, '')::uuid) "
       "RETURNING " OMS_API_KEY_COLUMNS},
      {kApiKeysRevoke,
       "UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1::uuid "
       "RETURNING " OMS_API_KEY_COLUMNS},
      // Expiry by the database's clock, as revocation is stamped, whichever replica asks.
      {kApiKeysFindByHash,
       "SELECT " OMS_API_KEY_COLUMNS ", coalesce(expires_at <= now(), false) AS expired "
       "FROM api_keys WHERE secret_hash = " OMS_SECRET_HASH},
      // Keyset pagination on the (created_at, id) index: the row comparison is its index
      // condition and the order its scan direction, so a page costs its own rows, not its depth.
      // The order names the table's columns: a bare `id` there is the output's text id, which
      // the index does not hold (a sort on every page).
      {kApiKeysList, "SELECT " OMS_API_KEY_COLUMNS " FROM api_keys "
                     "WHERE (created_at, id) < ($1::timestamptz, $2::uuid) "
                     "ORDER BY api_keys.created_at DESC, api_keys.id DESC LIMIT $3"},
      {kApiKeysCustomerExists, "SELECT 1 FROM customers WHERE id = $1::uuid"},
  };
  return kStatements;
}

absl::Status PgApiKeyStore::Create(const v1::CreateApiKeyRequest& request,
                                   const std::string& secret, v1::ApiKey* out) {
  return pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    if (!request.customer_id().empty() &&
        tx.exec_prepared(kApiKeysCustomerExists, request.customer_id()).empty()) {
      return WithReason(
          absl::StatusCode::kNotFound, "CUSTOMER_NOT_FOUND",
          absl::StrCat("customer_id: customer ", request.customer_id(), " does not exist"));
    }
    pqxx::row row =
        tx.exec_prepared1(kApiKeysInsert, secret, request.name(), ArrayLiteral(request.scopes()),
                          request.customer_id(), ExpiryText(request), request.warehouse_id());
    ReadKey(row, out);
    return absl::OkStatus();
  });
}

absl::Status PgApiKeyStore::Revoke(const std::string& id, v1::ApiKey* out) {
  return pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    pqxx::result rows = tx.exec_prepared(kApiKeysRevoke, id);
    if (rows.empty()) {
      return WithReason(absl::StatusCode::kNotFound, "API_KEY_NOT_FOUND",
                        absl::StrCat("API key ", id, " not found"));
    }
    ReadKey(rows[0], out);
    return absl::OkStatus();
  });
}

absl::Status PgApiKeyStore::Verify(const std::string& secret, v1::ApiKey* out) {
  return pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    pqxx::result rows = tx.exec_prepared(kApiKeysFindByHash, secret);
    // The messages never repeat the secret.
    if (rows.empty()) {
      return WithReason(absl::StatusCode::kNotFound, "API_KEY_NOT_FOUND", "unknown API key");
    }
    ReadKey(rows[0], out);
    if (out->has_revoke_time()) {
      return WithReason(absl::StatusCode::kPermissionDenied, "API_KEY_REVOKED",
                        absl::StrCat("API key ", out->id(), " was revoked"));
    }
    if (rows[0]["expired"].as<bool>()) {
      return WithReason(absl::StatusCode::kPermissionDenied, "API_KEY_EXPIRED",
                        absl::StrCat("API key ", out->id(), " has expired"));
    }
    return absl::OkStatus();
  });
}

absl::Status PgApiKeyStore::List(const std::string& after, int page_size, ApiKeyPage* out) {
  auto position = ParsePosition(after);
  if (!position.ok()) return position.status();
  return pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    pqxx::result rows =
        tx.exec_prepared(kApiKeysList, position->created, position->id, page_size + 1);
    for (const auto& row : rows) {
      if (static_cast<int>(out->keys.size()) == page_size) {
        const v1::ApiKey& last = out->keys.back();
        out->next_after =
            absl::StrCat(TimeUtil::TimestampToMicroseconds(last.create_time()), ":", last.id());
        break;
      }
      ReadKey(row, &out->keys.emplace_back());
    }
    return absl::OkStatus();
  });
}

}  // namespace oms::order
