#include "billing-service/src/payments_store.h"

#include <google/protobuf/util/time_util.h>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/pg_pool.h"

namespace oms::billing {
namespace {

using google::protobuf::util::TimeUtil;

#define OMS_MICROS(column, alias) "(extract(epoch FROM " column ") * 1000000)::bigint AS " alias
#define OMS_PAYMENT_COLUMNS                                                                  \
  "id, order_id, status, method, currency, authorized_minor, captured_minor, voided_minor, " \
  "refunded_minor, provider, authorization_reference, decline_code, tombstone, " OMS_MICROS( \
      "created_at", "created_micros") ", " OMS_MICROS("updated_at", "updated_micros")
#define OMS_TRANSACTION_COLUMNS                                                      \
  "id, kind, amount_minor, currency, outcome, idempotency_key, provider_reference, " \
  "decline_code, request_id, shipment_id, xact::text::bigint AS xact, " OMS_MICROS(  \
      "created_at", "created_micros")

constexpr char kPaymentsLockOrder[] = "payments_lock_order";
constexpr char kPaymentsGetByOrder[] = "payments_get_by_order";
constexpr char kPaymentsGet[] = "payments_get";
constexpr char kPaymentsList[] = "payments_list";
constexpr char kPaymentsInsert[] = "payments_insert";
constexpr char kPaymentsUpdate[] = "payments_update";
constexpr char kTransactionsInsert[] = "payment_transactions_insert";
constexpr char kTransactionsList[] = "payment_transactions_list";
constexpr char kTransactionsRecorded[] = "payment_transactions_recorded";

constexpr char kMethodPrefix[] = "PAYMENT_METHOD_";
constexpr char kKindPrefix[] = "TRANSACTION_KIND_";
constexpr char kOutcomePrefix[] = "TRANSACTION_OUTCOME_";

// An enum value as its column holds it: the name without its prefix, "" for the zero value (a
// tombstone's method). Text that names no value reads as the zero value.
template <class Enum>
std::string ColumnText(Enum value, const char* prefix) {
  if (value == Enum{}) return "";
  return std::string(absl::StripPrefix(
      google::protobuf::GetEnumDescriptor<Enum>()->FindValueByNumber(value)->name(), prefix));
}

template <class Enum>
Enum FromColumnText(const pqxx::field& field, const char* prefix) {
  const auto* value = google::protobuf::GetEnumDescriptor<Enum>()->FindValueByName(
      absl::StrCat(prefix, field.as<std::string>()));
  return value == nullptr ? Enum{} : static_cast<Enum>(value->number());
}

void SetMoney(common::v1::Money* money, const std::string& currency, long long minor) {
  money->set_currency(currency);
  money->set_amount_minor(minor);
}

google::protobuf::Timestamp Micros(const pqxx::row& row, const char* column) {
  return TimeUtil::MicrosecondsToTimestamp(row[column].as<long long>());
}

PaymentRecord ReadRecord(const pqxx::row& row) {
  PaymentRecord payment;
  payment.id = row["id"].as<std::string>();
  payment.currency = row["currency"].as<std::string>();
  payment.authorization_reference = row["authorization_reference"].as<std::string>();
  payment.amounts.authorized = row["authorized_minor"].as<long long>();
  payment.amounts.captured = row["captured_minor"].as<long long>();
  payment.amounts.voided = row["voided_minor"].as<long long>();
  payment.amounts.refunded = row["refunded_minor"].as<long long>();
  payment.amounts.declined =
      StatusFromText(row["status"].as<std::string>()) == v1::PAYMENT_STATUS_DECLINED;
  payment.amounts.tombstone = row["tombstone"].as<bool>();
  return payment;
}

void ReadTransaction(const pqxx::row& row, v1::PaymentTransaction* out) {
  out->set_id(row["id"].as<long long>());
  out->set_kind(FromColumnText<v1::TransactionKind>(row["kind"], kKindPrefix));
  SetMoney(out->mutable_amount(), row["currency"].as<std::string>(),
           row["amount_minor"].as<long long>());
  out->set_outcome(FromColumnText<v1::TransactionOutcome>(row["outcome"], kOutcomePrefix));
  out->set_idempotency_key(row["idempotency_key"].as<std::string>());
  out->set_provider_reference(row["provider_reference"].as<std::string>());
  out->set_decline_code(row["decline_code"].as<std::string>());
  out->set_request_id(row["request_id"].as<std::string>());
  out->set_shipment_id(row["shipment_id"].as<std::string>());
  *out->mutable_create_time() = Micros(row, "created_micros");
  out->set_recording_xact(row["xact"].as<long long>());
}

void ReadPayment(pqxx::transaction_base& tx, const pqxx::row& row, v1::Payment* out) {
  out->Clear();
  out->set_id(row["id"].as<std::string>());
  out->set_order_id(row["order_id"].as<std::string>());
  out->set_status(StatusFromText(row["status"].as<std::string>()));
  out->set_method(FromColumnText<v1::PaymentMethod>(row["method"], kMethodPrefix));
  const std::string currency = row["currency"].as<std::string>();
  SetMoney(out->mutable_authorized(), currency, row["authorized_minor"].as<long long>());
  SetMoney(out->mutable_captured(), currency, row["captured_minor"].as<long long>());
  SetMoney(out->mutable_voided(), currency, row["voided_minor"].as<long long>());
  SetMoney(out->mutable_refunded(), currency, row["refunded_minor"].as<long long>());
  out->set_provider(row["provider"].as<std::string>());
  out->set_authorization_reference(row["authorization_reference"].as<std::string>());
  out->set_decline_code(row["decline_code"].as<std::string>());
  out->set_tombstone(row["tombstone"].as<bool>());
  *out->mutable_create_time() = Micros(row, "created_micros");
  *out->mutable_update_time() = Micros(row, "updated_micros");
  for (const auto& transaction : tx.exec_prepared(kTransactionsList, out->id())) {
    ReadTransaction(transaction, out->add_transactions());
  }
}

}  // namespace

const std::vector<PreparedStatement>& PaymentsStore::Statements() {
  static const std::vector<PreparedStatement> kStatements = {
      {kPaymentsLockOrder, "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))"},
      {kPaymentsGetByOrder,
       "SELECT " OMS_PAYMENT_COLUMNS " FROM payments WHERE order_id = $1 FOR UPDATE"},
      {kPaymentsGet, "SELECT " OMS_PAYMENT_COLUMNS " FROM payments WHERE id = $1::uuid"},
      {kPaymentsList, "SELECT " OMS_PAYMENT_COLUMNS ", "
                      "  pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xact_floor "
                      "FROM payments WHERE order_id = $1 ORDER BY created_at, id LIMIT 1000"},
      {kPaymentsInsert,
       "INSERT INTO payments (order_id, status, method, currency, authorized_minor, provider, "
       "authorization_reference, decline_code, tombstone) "
       "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id"},
      {kPaymentsUpdate,
       "UPDATE payments SET status = $2, authorized_minor = $3, captured_minor = $4, "
       "voided_minor = $5, refunded_minor = $6, updated_at = now() WHERE id = $1::uuid"},
      {kTransactionsInsert,
       "INSERT INTO payment_transactions (payment_id, kind, amount_minor, currency, outcome, "
       "idempotency_key, provider_reference, decline_code, request_id, shipment_id) "
       "VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id"},
      {kTransactionsList,
       "SELECT " OMS_TRANSACTION_COLUMNS " FROM payment_transactions WHERE payment_id = $1::uuid "
       "ORDER BY id"},
      {kTransactionsRecorded,
       "SELECT EXISTS (SELECT 1 FROM payment_transactions WHERE idempotency_key = $1) AS recorded"},
  };
  return kStatements;
}

void PaymentsStore::LockOrder(const std::string& order_id) {
  tx_.exec_prepared(kPaymentsLockOrder, order_id);
}

std::optional<PaymentRecord> PaymentsStore::FindForUpdate(const std::string& order_id) {
  pqxx::result rows = tx_.exec_prepared(kPaymentsGetByOrder, order_id);
  if (rows.empty()) return std::nullopt;
  return ReadRecord(rows[0]);
}

std::string PaymentsStore::Insert(const NewPayment& payment) {
  return tx_
      .exec_prepared1(kPaymentsInsert, payment.order_id, StatusText(payment.status),
                      ColumnText(payment.method, kMethodPrefix), payment.currency,
                      payment.authorized_minor, payment.provider, payment.authorization_reference,
                      payment.decline_code, payment.tombstone)["id"]
      .as<std::string>();
}

void PaymentsStore::UpdateAmounts(const std::string& payment_id, v1::PaymentStatus status,
                                  const PaymentAmounts& amounts) {
  tx_.exec_prepared(kPaymentsUpdate, payment_id, StatusText(status), amounts.authorized,
                    amounts.captured, amounts.voided, amounts.refunded);
}

long long PaymentsStore::InsertTransaction(const TransactionRecord& transaction) {
  return tx_
      .exec_prepared1(kTransactionsInsert, transaction.payment_id,
                      ColumnText(transaction.kind, kKindPrefix), transaction.amount_minor,
                      transaction.currency, ColumnText(transaction.outcome, kOutcomePrefix),
                      transaction.idempotency_key, transaction.provider_reference,
                      transaction.decline_code, transaction.request_id,
                      transaction.shipment_id)["id"]
      .as<long long>();
}

bool PaymentsStore::TransactionRecorded(const std::string& idempotency_key) {
  return tx_.exec_prepared1(kTransactionsRecorded, idempotency_key)["recorded"].as<bool>();
}

bool PaymentsStore::Read(const std::string& payment_id, v1::Payment* out) {
  pqxx::result rows = tx_.exec_prepared(kPaymentsGet, payment_id);
  if (rows.empty()) return false;
  ReadPayment(tx_, rows[0], out);
  return true;
}

void PaymentsStore::ListByOrder(const std::string& order_id, v1::ListPaymentsResponse* out) {
  // The floor comes from the first statement: its snapshot is no later than the one the
  // transactions are read in.
  for (const auto& row : tx_.exec_prepared(kPaymentsList, order_id)) {
    out->set_xact_floor(row["xact_floor"].as<long long>());
    ReadPayment(tx_, row, out->add_payments());
  }
}

}  // namespace oms::billing
