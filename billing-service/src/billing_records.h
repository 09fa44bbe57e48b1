// The records billing reads and writes, as the decisions see them: plain values with enums, no
// column text. The stores map them to and from rows (payments_store, documents_store).
#pragma once

#include <string>

#include "billing-service/src/payment_state.h"
#include "oms/billing/v1/billing.pb.h"

namespace oms::billing {

// What billing reads of a locked payment row to decide.
struct PaymentRecord {
  std::string id;
  std::string currency;
  std::string authorization_reference;
  PaymentAmounts amounts;
};

// A payment row to insert: an authorization's answer, or a tombstone.
struct NewPayment {
  std::string order_id;
  v1::PaymentStatus status = v1::PAYMENT_STATUS_UNSPECIFIED;
  v1::PaymentMethod method = v1::PAYMENT_METHOD_UNSPECIFIED;  // UNSPECIFIED for a tombstone
  std::string currency;
  long long authorized_minor = 0;
  std::string provider;
  std::string authorization_reference;
  std::string decline_code;
  bool tombstone = false;
};

// One call to the provider and what it answered (a payment_transactions row).
struct TransactionRecord {
  std::string payment_id;
  v1::TransactionKind kind = v1::TRANSACTION_KIND_UNSPECIFIED;
  long long amount_minor = 0;
  std::string currency;
  v1::TransactionOutcome outcome = v1::TRANSACTION_OUTCOME_UNSPECIFIED;
  std::string idempotency_key;
  std::string provider_reference;
  std::string decline_code;
  std::string request_id;
  std::string shipment_id;
};

// The authorization an order asked for, committed before the provider call (an
// authorization_intents row; migrations/0004 describes the states).
enum class IntentState { kAuthorizing, kAuthorized, kDeclined, kVoided, kClosed };
struct AuthorizationIntent {
  std::string order_id;
  std::string request_id;  // the AuthorizePayment request that recorded it
  std::string idempotency_key;
  long long amount_minor = 0;
  std::string currency;
  IntentState state = IntentState::kAuthorizing;
};

// Each kind of document is numbered on its own gap-free sequence per year.
enum class DocumentKind { kInvoice, kCreditNote };

}  // namespace oms::billing
