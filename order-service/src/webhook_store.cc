#include "order-service/src/webhook_store.h"

#include <limits>

#include <google/protobuf/util/time_util.h>
#include <pqxx/pqxx>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/pagination.h"
#include "common/pg_arrays.h"
#include "common/pg_pool.h"
#include "common/status.h"

namespace oms::order {
namespace {

using google::protobuf::util::TimeUtil;

constexpr char kWebhooksInsert[] = "webhooks_insert";
constexpr char kWebhooksList[] = "webhooks_list";
constexpr char kWebhooksDelete[] = "webhooks_delete";
constexpr char kWebhooksExists[] = "webhooks_exists";
constexpr char kDeliveriesList[] = "webhook_deliveries_list";
constexpr char kDeliveriesRedeliver[] = "webhook_deliveries_redeliver";
constexpr char kWebhooksClaim[] = "webhooks_claim";
constexpr char kDeliveriesNextRedelivery[] = "webhook_deliveries_next_redelivery";
constexpr char kWebhooksHandledEvent[] = "webhooks_handled_event";
constexpr char kWebhooksHandledRedelivery[] = "webhooks_handled_redelivery";
constexpr char kWebhooksFailed[] = "webhooks_failed";
constexpr char kWebhooksSkipped[] = "webhooks_skipped";
constexpr char kWebhooksRelease[] = "webhooks_release";
constexpr char kWebhooksFailing[] = "webhooks_failing";

// Event types as one comma-separated string: types are validated to hold no commas.
#define OMS_WEBHOOK_COLUMNS                                                   \
  "id::text AS id, url, array_to_string(event_types, ',') AS event_types, "   \
  "(extract(epoch FROM created_at) * 1000000)::bigint AS created_micros, "    \
  "(extract(epoch FROM deleted_at) * 1000000)::bigint AS deleted_micros, "    \
  "cursor_xact, cursor_source, cursor_row, failed_attempts, "                 \
  "(extract(epoch FROM failing_since) * 1000000)::bigint AS failing_micros, " \
  "last_error, (extract(epoch FROM next_attempt_at) * 1000000)::bigint AS next_micros"
#define OMS_DELIVERY_COLUMNS                                                               \
  "id, webhook_id::text AS webhook_id, event_id, event_type, order_id::text AS order_id, " \
  "outcome, attempts, last_status_code, last_error, redelivery_pending, "                  \
  "(extract(epoch FROM created_at) * 1000000)::bigint AS created_micros, "                 \
  "(extract(epoch FROM updated_at) * 1000000)::bigint AS updated_micros"
#define OMS_MILLIS(n) "$" #n "::bigint * interval '1 millisecond'"

const std::vector<PreparedStatement>& OwnStatements() {
  static const std::vector<PreparedStatement> kStatements = {
      // From now on: before every event of a transaction that may still commit (event_feed.h:
      // the position after every row of transaction xmin - 1).
      {kWebhooksInsert,
       "INSERT INTO webhooks (url, event_types, secret, cursor_xact, cursor_source, cursor_row) "
       "VALUES ($1, $2::text[], $3, pg_snapshot_xmin(pg_current_snapshot())::text::bigint - 1, "
       "  1, 9223372036854775807) "
       "RETURNING " OMS_WEBHOOK_COLUMNS},
      {kWebhooksList,
       "SELECT " OMS_WEBHOOK_COLUMNS " FROM webhooks "
       "WHERE $1::bigint = 0 "
       "   OR (created_at, id) < ('epoch'::timestamptz + $1::bigint * interval '1 microsecond', "
       "                          $2::uuid) "
       "ORDER BY created_at DESC, id DESC LIMIT $3"},
      {kWebhooksDelete,
       "UPDATE webhooks SET deleted_at = COALESCE(deleted_at, now()) WHERE id = $1::uuid "
       "RETURNING " OMS_WEBHOOK_COLUMNS},
      {kWebhooksExists, "SELECT 1 FROM webhooks WHERE id = $1::uuid"},
      {kDeliveriesList, "SELECT " OMS_DELIVERY_COLUMNS " FROM webhook_deliveries "
                        "WHERE webhook_id = $1::uuid AND id < $2 ORDER BY id DESC LIMIT $3"},
      {kDeliveriesRedeliver,
       "WITH d AS (UPDATE webhook_deliveries SET redelivery_pending = true, updated_at = now() "
       "  WHERE id = $2 AND webhook_id = $1::uuid RETURNING *), "
       "w AS (UPDATE webhooks SET next_attempt_at = now() "
       "  WHERE id = $1::uuid AND EXISTS (SELECT 1 FROM d)) "
       "SELECT " OMS_DELIVERY_COLUMNS " FROM d"},
      {kWebhooksClaim,
       "UPDATE webhooks SET lease_owner = $1, lease_expires_at = now() + " OMS_MILLIS(
           2) " "
              "WHERE id = (SELECT id FROM webhooks "
              "  WHERE deleted_at IS NULL AND next_attempt_at <= now() AND lease_expires_at < "
              "now() "
              "  ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED) "
              "RETURNING id::text AS id, url, secret, array_to_string(event_types, ',') AS "
              "event_types, "
              "  cursor_xact, cursor_source, cursor_row, failed_attempts"},
      {kDeliveriesNextRedelivery,
       "SELECT id, event_id, event_type, order_id::text AS order_id, body "
       "FROM webhook_deliveries WHERE webhook_id = $1::uuid AND redelivery_pending "
       "ORDER BY id LIMIT 1"},
      // The cursor only moves forward: a replica that lost its lease, or an event handled
      // already, logs nothing.
      {kWebhooksHandledEvent,
       "WITH w AS (UPDATE webhooks SET cursor_xact = $3, cursor_source = $4, cursor_row = $5, "
       "    failed_attempts = 0, failing_since = NULL, last_error = '', "
       "    lease_expires_at = now() + " OMS_MILLIS(
           6) " "
              "  WHERE id = $1::uuid AND lease_owner = $2 "
              "    AND (cursor_xact, cursor_source, cursor_row) < ($3, $4, $5) RETURNING id) "
              "INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, order_id, body, "
              "outcome, "
              "  attempts, last_status_code, last_error) "
              "SELECT id, $7, $8, $9::uuid, $10, $11, $12, $13, $14 FROM w RETURNING id"},
      {kWebhooksHandledRedelivery,
       "WITH w AS (UPDATE webhooks SET failed_attempts = 0, failing_since = NULL, "
       "    last_error = '', lease_expires_at = now() + " OMS_MILLIS(
           4) " "
              "  WHERE id = $1::uuid AND lease_owner = $2 RETURNING id) "
              "UPDATE webhook_deliveries SET outcome = $5, redelivery_pending = false, "
              "  attempts = attempts + $6, last_status_code = $7, last_error = $8, updated_at = "
              "now() "
              "WHERE id = $3 AND webhook_id IN (SELECT id FROM w) RETURNING id"},
      // SET reads the row as it was: the window counts from the first failure in a row.
      {kWebhooksFailed,
       "UPDATE webhooks SET failed_attempts = failed_attempts + 1, "
       "  failing_since = COALESCE(failing_since, now()), last_error = $3, "
       "  next_attempt_at = now() + " OMS_MILLIS(
           4) ", "
              "  lease_owner = CASE WHEN COALESCE(failing_since, now()) + " OMS_MILLIS(
                  5) " <= now() "
                     "    THEN lease_owner ELSE '' END, "
                     "  lease_expires_at = CASE WHEN COALESCE(failing_since, now()) + " OMS_MILLIS(
                         5) " <= now() "
                            "    THEN lease_expires_at ELSE '-infinity' END "
                            "WHERE id = $1::uuid AND lease_owner = $2 "
                            "RETURNING lease_owner <> '' AS window_passed"},
      {kWebhooksSkipped,
       "UPDATE webhooks SET cursor_xact = $3, cursor_source = $4, cursor_row = $5 "
       "WHERE id = $1::uuid AND lease_owner = $2 "
       "  AND (cursor_xact, cursor_source, cursor_row) < ($3, $4, $5)"},
      {kWebhooksRelease,
       "UPDATE webhooks SET lease_owner = '', lease_expires_at = '-infinity', "
       "  next_attempt_at = now() + " OMS_MILLIS(3) " "
                                                    "WHERE id = $1::uuid AND lease_owner = $2"},
      // Subscriptions are few (an administrator makes each): a scan of them all is no history.
      {kWebhooksFailing,
       "SELECT COALESCE(max(extract(epoch FROM now() - failing_since)), 0)::bigint AS longest, "
       "  count(failing_since) AS failing FROM webhooks WHERE deleted_at IS NULL"},
  };
  return kStatements;
}

google::protobuf::Timestamp Micros(const pqxx::field& field) {
  return TimeUtil::MicrosecondsToTimestamp(field.as<int64_t>());
}

void ReadWebhook(const pqxx::row& row, v1::Webhook* out) {
  out->set_id(row["id"].as<std::string>());
  out->set_url(row["url"].as<std::string>());
  for (absl::string_view type :
       absl::StrSplit(row["event_types"].as<std::string>(), ',', absl::SkipEmpty())) {
    out->add_event_types(std::string(type));
  }
  *out->mutable_create_time() = Micros(row["created_micros"]);
  if (!row["deleted_micros"].is_null()) *out->mutable_delete_time() = Micros(row["deleted_micros"]);
  out->set_cursor(FeedCursor({row["cursor_xact"].as<int64_t>(),
                              static_cast<FeedSource>(row["cursor_source"].as<int>()),
                              row["cursor_row"].as<int64_t>()}));
  out->set_failed_attempts(row["failed_attempts"].as<int>());
  if (!row["failing_micros"].is_null())
    *out->mutable_failing_since() = Micros(row["failing_micros"]);
  out->set_last_error(row["last_error"].as<std::string>());
  *out->mutable_next_attempt_time() = Micros(row["next_micros"]);
}

v1::WebhookDeliveryOutcome OutcomeOf(const std::string& text) {
  return text == "DELIVERED" ? v1::WEBHOOK_DELIVERY_OUTCOME_DELIVERED
                             : v1::WEBHOOK_DELIVERY_OUTCOME_DEAD_LETTERED;
}

const char* OutcomeText(v1::WebhookDeliveryOutcome outcome) {
  return outcome == v1::WEBHOOK_DELIVERY_OUTCOME_DELIVERED ? "DELIVERED" : "DEAD_LETTERED";
}

void ReadDelivery(const pqxx::row& row, v1::WebhookDelivery* out) {
  out->set_id(row["id"].as<std::string>());
  out->set_webhook_id(row["webhook_id"].as<std::string>());
  out->set_event_id(row["event_id"].as<std::string>());
  out->set_event_type(row["event_type"].as<std::string>());
  out->set_order_id(row["order_id"].as<std::string>());
  out->set_outcome(OutcomeOf(row["outcome"].as<std::string>()));
  out->set_attempts(row["attempts"].as<int>());
  out->set_last_status_code(row["last_status_code"].as<int>());
  out->set_last_error(row["last_error"].as<std::string>());
  out->set_redelivery_pending(row["redelivery_pending"].as<bool>());
  *out->mutable_create_time() = Micros(row["created_micros"]);
  *out->mutable_update_time() = Micros(row["updated_micros"]);
}

absl::Status WebhookNotFound(const std::string& id) {
  return WithReason(absl::StatusCode::kNotFound, "WEBHOOK_NOT_FOUND",
                    absl::StrCat("webhook ", id, " not found"));
}

}  // namespace

const std::vector<PreparedStatement>& PgWebhookStore::Statements() { return OwnStatements(); }

absl::Status PgWebhookStore::Create(const v1::CreateWebhookRequest& request,
                                    const std::string& secret, v1::Webhook* out) {
  const std::vector<std::string> types(request.event_types().begin(), request.event_types().end());
  return pool_.Autocommit([&](pqxx::transaction_base& statement) {
    ReadWebhook(
        statement.exec_prepared1(kWebhooksInsert, request.url(), PgTextArray(types), secret), out);
    return absl::OkStatus();
  });
}

absl::Status PgWebhookStore::List(const std::string& after, int page_size,
                                  v1::ListWebhooksResponse* out) {
  auto position = ParseTimeIdPayload(after);
  if (!position.ok()) return position.status();
  return pool_.Autocommit([&](pqxx::transaction_base& statement) {
    const pqxx::result rows =
        statement.exec_prepared(kWebhooksList, position->micros, position->id, page_size + 1);
    for (const auto& row : rows) {
      if (out->webhooks_size() == page_size) {
        const v1::Webhook& last = out->webhooks(page_size - 1);
        out->set_next_page_token(EncodePageToken(
            TimeIdPayload(TimeUtil::TimestampToMicroseconds(last.create_time()), last.id())));
        break;
      }
      ReadWebhook(row, out->add_webhooks());
    }
    return absl::OkStatus();
  });
}

absl::Status PgWebhookStore::Delete(const std::string& id, v1::Webhook* out) {
  return pool_.Autocommit([&](pqxx::transaction_base& statement) {
    const pqxx::result rows = statement.exec_prepared(kWebhooksDelete, id);
    if (rows.empty()) return WebhookNotFound(id);
    ReadWebhook(rows[0], out);
    return absl::OkStatus();
  });
}

absl::Status PgWebhookStore::ListDeliveries(const std::string& webhook_id, const std::string& after,
                                            int page_size, v1::ListWebhookDeliveriesResponse* out) {
  int64_t before = std::numeric_limits<int64_t>::max();
  if (!after.empty() && (!absl::SimpleAtoi(after, &before) || before <= 0)) {
    return InvalidField("page_token", "is not a token this server issued");
  }
  return pool_.InTransaction([&](pqxx::work& tx) {
    if (tx.exec_prepared(kWebhooksExists, webhook_id).empty()) return WebhookNotFound(webhook_id);
    for (const auto& row : tx.exec_prepared(kDeliveriesList, webhook_id, before, page_size + 1)) {
      if (out->deliveries_size() == page_size) {
        out->set_next_page_token(EncodePageToken(out->deliveries(page_size - 1).id()));
        break;
      }
      ReadDelivery(row, out->add_deliveries());
    }
    return absl::OkStatus();
  });
}

absl::Status PgWebhookStore::Redeliver(const std::string& webhook_id,
                                       const std::string& delivery_id, v1::WebhookDelivery* out) {
  int64_t id = 0;
  if (!absl::SimpleAtoi(delivery_id, &id) || id <= 0) {
    return InvalidField("delivery_id", "a delivery id from the subscription's log");
  }
  return pool_.Autocommit([&](pqxx::transaction_base& statement) {
    const pqxx::result rows = statement.exec_prepared(kDeliveriesRedeliver, webhook_id, id);
    if (rows.empty()) {
      return WithReason(absl::StatusCode::kNotFound, "WEBHOOK_DELIVERY_NOT_FOUND",
                        absl::StrCat("webhook ", webhook_id, " has no delivery ", delivery_id));
    }
    ReadDelivery(rows[0], out);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::optional<ClaimedWebhook>> PgWebhookStore::Claim(
    const std::string& owner, std::chrono::milliseconds lease) {
  std::optional<ClaimedWebhook> claimed;
  absl::Status status = pool_.Autocommit([&](pqxx::transaction_base& statement) {
    const pqxx::result rows =
        statement.exec_prepared(kWebhooksClaim, owner, static_cast<int64_t>(lease.count()));
    if (rows.empty()) return absl::OkStatus();
    const pqxx::row row = rows[0];
    ClaimedWebhook webhook;
    webhook.id = row["id"].as<std::string>();
    webhook.url = row["url"].as<std::string>();
    webhook.secret = row["secret"].as<std::string>();
    for (absl::string_view type :
         absl::StrSplit(row["event_types"].as<std::string>(), ',', absl::SkipEmpty())) {
      webhook.event_types.Add(std::string(type));
    }
    webhook.cursor = {row["cursor_xact"].as<int64_t>(),
                      static_cast<FeedSource>(row["cursor_source"].as<int>()),
                      row["cursor_row"].as<int64_t>()};
    webhook.failed_attempts = row["failed_attempts"].as<int>();
    claimed = std::move(webhook);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return claimed;
}

absl::StatusOr<std::optional<OutgoingEvent>> PgWebhookStore::NextRedelivery(
    const std::string& webhook_id) {
  std::optional<OutgoingEvent> next;
  absl::Status status = pool_.Autocommit([&](pqxx::transaction_base& statement) {
    const pqxx::result rows = statement.exec_prepared(kDeliveriesNextRedelivery, webhook_id);
    if (rows.empty()) return absl::OkStatus();
    OutgoingEvent event;
    event.redelivery_of = rows[0]["id"].as<int64_t>();
    event.event_id = rows[0]["event_id"].as<std::string>();
    event.event_type = rows[0]["event_type"].as<std::string>();
    event.order_id = rows[0]["order_id"].as<std::string>();
    event.body = rows[0]["body"].as<std::string>();
    next = std::move(event);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return next;
}

absl::StatusOr<bool> PgWebhookStore::Handled(const ClaimedWebhook& webhook,
                                             const std::string& owner, const OutgoingEvent& event,
                                             v1::WebhookDeliveryOutcome outcome, int attempts,
                                             int status_code, const std::string& error,
                                             std::chrono::milliseconds lease) {
  bool handled = false;
  absl::Status status = pool_.Autocommit([&](pqxx::transaction_base& statement) {
    const int64_t lease_ms = lease.count();
    const pqxx::result rows =
        event.redelivery_of.has_value()
            ? statement.exec_prepared(kWebhooksHandledRedelivery, webhook.id, owner,
                                      *event.redelivery_of, lease_ms, OutcomeText(outcome),
                                      attempts, status_code, error)
            : statement.exec_prepared(kWebhooksHandledEvent, webhook.id, owner, event.position.xact,
                                      static_cast<int>(event.position.source),
                                      event.position.row_id, lease_ms, event.event_id,
                                      event.event_type, event.order_id, event.body,
                                      OutcomeText(outcome), attempts, status_code, error);
    handled = !rows.empty();
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return handled;
}

absl::StatusOr<bool> PgWebhookStore::Failed(const ClaimedWebhook& webhook, const std::string& owner,
                                            const std::string& error,
                                            std::chrono::milliseconds backoff,
                                            std::chrono::milliseconds window) {
  bool window_passed = false;
  absl::Status status = pool_.Autocommit([&](pqxx::transaction_base& statement) {
    const pqxx::result rows = statement.exec_prepared(kWebhooksFailed, webhook.id, owner, error,
                                                      static_cast<int64_t>(backoff.count()),
                                                      static_cast<int64_t>(window.count()));
    window_passed = !rows.empty() && rows[0]["window_passed"].as<bool>();
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return window_passed;
}

absl::Status PgWebhookStore::Skipped(const ClaimedWebhook& webhook, const std::string& owner,
                                     const FeedPosition& position) {
  return pool_.Autocommit([&](pqxx::transaction_base& statement) {
    statement.exec_prepared(kWebhooksSkipped, webhook.id, owner, position.xact,
                            static_cast<int>(position.source), position.row_id);
    return absl::OkStatus();
  });
}

absl::Status PgWebhookStore::Release(const ClaimedWebhook& webhook, const std::string& owner,
                                     std::chrono::milliseconds pause) {
  return pool_.Autocommit([&](pqxx::transaction_base& statement) {
    statement.exec_prepared(kWebhooksRelease, webhook.id, owner,
                            static_cast<int64_t>(pause.count()));
    return absl::OkStatus();
  });
}

absl::StatusOr<PgWebhookStore::Failing> PgWebhookStore::FailingNow() {
  Failing failing;
  absl::Status status = pool_.Autocommit([&](pqxx::transaction_base& statement) {
    const pqxx::row row = statement.exec_prepared1(kWebhooksFailing);
    failing.longest = std::chrono::seconds(row["longest"].as<int64_t>());
    failing.subscriptions = row["failing"].as<int>();
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return failing;
}

}  // namespace oms::order
