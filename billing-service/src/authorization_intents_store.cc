#include "billing-service/src/authorization_intents_store.h"

#include <pqxx/pqxx>

#include "common/pg_pool.h"

namespace oms::billing {
namespace {

#define OMS_INTENT_COLUMNS "order_id, request_id, idempotency_key, amount_minor, currency, state"

constexpr char kGet[] = "authorization_intents_get";
constexpr char kInsert[] = "authorization_intents_insert";
constexpr char kSetState[] = "authorization_intents_set_state";
constexpr char kListUnsettled[] = "authorization_intents_list_unsettled";
constexpr char kTouch[] = "authorization_intents_touch";
constexpr char kCountUnsettled[] = "authorization_intents_count_unsettled";
constexpr char kRequestAnswered[] = "request_results_answered";

// IntentState as its column holds it, in the enum's order.
constexpr const char* kStateTexts[] = {"AUTHORIZING", "AUTHORIZED", "DECLINED", "VOIDED", "CLOSED"};

const char* StateText(IntentState state) { return kStateTexts[static_cast<int>(state)]; }

IntentState StateFromText(const std::string& text) {
  for (int i = 0; i < static_cast<int>(std::size(kStateTexts)); ++i) {
    if (text == kStateTexts[i]) return static_cast<IntentState>(i);
  }
  return IntentState::kAuthorizing;  // the CHECK constraint admits no other text
}

AuthorizationIntent ReadIntent(const pqxx::row& row) {
  AuthorizationIntent intent;
  intent.order_id = row["order_id"].as<std::string>();
  intent.request_id = row["request_id"].as<std::string>();
  intent.idempotency_key = row["idempotency_key"].as<std::string>();
  intent.amount_minor = row["amount_minor"].as<long long>();
  intent.currency = row["currency"].as<std::string>();
  intent.state = StateFromText(row["state"].as<std::string>());
  return intent;
}

}  // namespace

const std::vector<PreparedStatement>& AuthorizationIntentsStore::Statements() {
  // The unsettled states are spelled as in the partial index authorization_intents_unsettled,
  // so that the list and the count use it.
  static const std::vector<PreparedStatement> kStatements = {
      {kGet,
       "SELECT " OMS_INTENT_COLUMNS " FROM authorization_intents WHERE order_id = $1 FOR UPDATE"},
      {kInsert, "INSERT INTO authorization_intents (" OMS_INTENT_COLUMNS ") "
                "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING order_id"},
      {kSetState,
       "UPDATE authorization_intents SET state = $2, updated_at = now() WHERE order_id = $1"},
      {kListUnsettled,
       "SELECT " OMS_INTENT_COLUMNS " FROM authorization_intents "
       "WHERE state IN ('AUTHORIZING', 'VOIDED') "
       "AND updated_at <= now() - make_interval(secs => $1) ORDER BY updated_at LIMIT $2"},
      {kTouch, "UPDATE authorization_intents SET updated_at = now() WHERE order_id = $1"},
      {kCountUnsettled,
       "SELECT count(*) AS unsettled FROM authorization_intents "
       "WHERE state IN ('AUTHORIZING', 'VOIDED')"},
      {kRequestAnswered,
       "SELECT EXISTS (SELECT 1 FROM request_results WHERE request_id = $1) AS answered"},
  };
  return kStatements;
}

std::optional<AuthorizationIntent> AuthorizationIntentsStore::FindForUpdate(
    const std::string& order_id) {
  pqxx::result rows = tx_.exec_prepared(kGet, order_id);
  if (rows.empty()) return std::nullopt;
  return ReadIntent(rows[0]);
}

bool AuthorizationIntentsStore::Insert(const AuthorizationIntent& intent) {
  return !tx_.exec_prepared(kInsert, intent.order_id, intent.request_id, intent.idempotency_key,
                            intent.amount_minor, intent.currency, StateText(intent.state))
              .empty();
}

void AuthorizationIntentsStore::SetState(const std::string& order_id, IntentState state) {
  tx_.exec_prepared(kSetState, order_id, StateText(state));
}

bool AuthorizationIntentsStore::RequestAnswered(const std::string& request_id) {
  return tx_.exec_prepared1(kRequestAnswered, request_id)["answered"].as<bool>();
}

std::vector<AuthorizationIntent> AuthorizationIntentsStore::ListUnsettled(std::chrono::seconds age,
                                                                          int limit) {
  std::vector<AuthorizationIntent> intents;
  for (const auto& row :
       tx_.exec_prepared(kListUnsettled, static_cast<long long>(age.count()), limit)) {
    intents.push_back(ReadIntent(row));
  }
  return intents;
}

void AuthorizationIntentsStore::Touch(const std::string& order_id) {
  tx_.exec_prepared(kTouch, order_id);
}

long long AuthorizationIntentsStore::CountUnsettled() {
  return tx_.exec_prepared1(kCountUnsettled)["unsettled"].as<long long>();
}

}  // namespace oms::billing
