#include "order-service/src/notification_store.h"

#include <google/protobuf/util/time_util.h>
#include <pqxx/pqxx>

#include "common/pg_arrays.h"
#include "common/pg_pool.h"
#include "order-service/src/order_rows.h"

namespace oms::order {
namespace {

using google::protobuf::util::TimeUtil;

constexpr char kNotificationsList[] = "notifications_list";
constexpr char kFollowersClaim[] = "feed_followers_claim";
constexpr char kFollowersAdvance[] = "feed_followers_advance";
constexpr char kFollowersRelease[] = "feed_followers_release";
constexpr char kRecipientsRead[] = "notification_recipients_read";

const std::vector<PreparedStatement>& OwnStatements() {
  static const std::vector<PreparedStatement> kStatements = {
      {kNotificationsList,
       "SELECT event_id, order_id::text AS order_id, kind, locale, recipient, subject, body, "
       "  channel, (extract(epoch FROM created_at) * 1000000)::bigint AS created_micros "
       "FROM notifications WHERE order_id = $1::uuid ORDER BY id"},
      {kFollowersClaim,
       "UPDATE feed_followers SET lease_owner = $2, "
       "  lease_expires_at = now() + $3::bigint * interval '1 millisecond' "
       "WHERE name = $1 AND (lease_owner = $2 OR lease_expires_at < now()) "
       "RETURNING cursor_xact, cursor_source, cursor_row"},
      // The notifications go in only when the cursor moved: a replica that lost its lease
      // writes nothing, and one event's notification is recorded once.
      {kFollowersAdvance,
       "WITH f AS (UPDATE feed_followers SET cursor_xact = $3, cursor_source = $4, "
       "    cursor_row = $5 "
       "  WHERE name = $1 AND lease_owner = $2 "
       "    AND (cursor_xact, cursor_source, cursor_row) < ($3, $4, $5) RETURNING name), "
       "n AS (INSERT INTO notifications (event_id, order_id, kind, locale, recipient, subject, "
       "    body, channel) "
       "  SELECT t.event_id, t.order_id, t.kind, t.locale, t.recipient, t.subject, t.body, "
       "    t.channel "
       "  FROM unnest($6::text[], $7::uuid[], $8::text[], $9::text[], $10::text[], $11::text[], "
       "    $12::text[], $13::text[]) "
       "    AS t (event_id, order_id, kind, locale, recipient, subject, body, channel) "
       "  WHERE EXISTS (SELECT 1 FROM f) ON CONFLICT (event_id) DO NOTHING) "
       "SELECT EXISTS (SELECT 1 FROM f) AS advanced"},
      {kFollowersRelease,
       "UPDATE feed_followers SET lease_owner = '', lease_expires_at = '-infinity' "
       "WHERE name = $1 AND lease_owner = $2"},
      // The order's columns by ReadOrder's names, the customer's under their own: by the
      // primary keys of both.
      {kRecipientsRead,
       "SELECT o.*, c.name AS customer_name, c.email AS customer_email, "
       "  c.locale AS customer_locale "
       "FROM (SELECT customer_id AS recipient_id, " OMS_ORDER_COLUMNS
       "      FROM orders WHERE id = ANY($1::uuid[])) AS o "
       "JOIN customers c ON c.id = o.recipient_id"},
  };
  return kStatements;
}

}  // namespace

const std::vector<PreparedStatement>& PgNotificationStore::Statements() { return OwnStatements(); }

absl::Status PgNotificationStore::List(const std::string& order_id,
                                       v1::ListNotificationsResponse* out) {
  return pool_.Autocommit([&](pqxx::transaction_base& statement) {
    for (const auto& row : statement.exec_prepared(kNotificationsList, order_id)) {
      v1::Notification* notification = out->add_notifications();
      notification->set_event_id(row["event_id"].as<std::string>());
      notification->set_order_id(row["order_id"].as<std::string>());
      notification->set_kind(row["kind"].as<std::string>());
      notification->set_locale(row["locale"].as<std::string>());
      notification->set_recipient(row["recipient"].as<std::string>());
      notification->set_subject(row["subject"].as<std::string>());
      notification->set_body(row["body"].as<std::string>());
      notification->set_channel(row["channel"].as<std::string>());
      *notification->mutable_create_time() =
          TimeUtil::MicrosecondsToTimestamp(row["created_micros"].as<int64_t>());
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::optional<FeedPosition>> PgNotificationStore::Claim(
    const std::string& name, const std::string& owner, std::chrono::milliseconds lease) {
  std::optional<FeedPosition> cursor;
  absl::Status status = pool_.Autocommit([&](pqxx::transaction_base& statement) {
    const pqxx::result rows =
        statement.exec_prepared(kFollowersClaim, name, owner, static_cast<int64_t>(lease.count()));
    if (!rows.empty()) {
      cursor = FeedPosition{rows[0]["cursor_xact"].as<int64_t>(),
                            static_cast<FeedSource>(rows[0]["cursor_source"].as<int>()),
                            rows[0]["cursor_row"].as<int64_t>()};
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return cursor;
}

absl::StatusOr<bool> PgNotificationStore::Advance(const std::string& name, const std::string& owner,
                                                  const FeedPosition& to,
                                                  const std::vector<v1::Notification>& sent) {
  std::vector<std::string> columns[8];
  for (const auto& notification : sent) {
    for (const auto& [column, value] :
         {std::pair{0, &notification.event_id()}, std::pair{1, &notification.order_id()},
          std::pair{2, &notification.kind()}, std::pair{3, &notification.locale()},
          std::pair{4, &notification.recipient()}, std::pair{5, &notification.subject()},
          std::pair{6, &notification.body()}, std::pair{7, &notification.channel()}}) {
      columns[column].push_back(*value);
    }
  }
  bool advanced = false;
  absl::Status status = pool_.Autocommit([&](pqxx::transaction_base& statement) {
    advanced =
        statement
            .exec_prepared1(kFollowersAdvance, name, owner, to.xact, static_cast<int>(to.source),
                            to.row_id, PgTextArray(columns[0]), PgTextArray(columns[1]),
                            PgTextArray(columns[2]), PgTextArray(columns[3]),
                            PgTextArray(columns[4]), PgTextArray(columns[5]),
                            PgTextArray(columns[6]), PgTextArray(columns[7]))["advanced"]
            .as<bool>();
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return advanced;
}

absl::Status PgNotificationStore::Release(const std::string& name, const std::string& owner) {
  return pool_.Autocommit([&](pqxx::transaction_base& statement) {
    statement.exec_prepared(kFollowersRelease, name, owner);
    return absl::OkStatus();
  });
}

absl::Status PgNotificationStore::ReadRecipients(const std::vector<std::string>& order_ids,
                                                 std::map<std::string, Recipient>* out) {
  if (order_ids.empty()) return absl::OkStatus();
  return pool_.Autocommit([&](pqxx::transaction_base& statement) {
    for (const auto& row : statement.exec_prepared(kRecipientsRead, PgTextArray(order_ids))) {
      Recipient recipient;
      ReadOrder(row, &recipient.order);
      recipient.customer.set_id(row["recipient_id"].as<std::string>());
      recipient.customer.set_name(row["customer_name"].as<std::string>());
      recipient.customer.set_email(row["customer_email"].as<std::string>());
      recipient.customer.set_locale(row["customer_locale"].as<std::string>());
      (*out)[recipient.order.id()] = std::move(recipient);
    }
    return absl::OkStatus();
  });
}

}  // namespace oms::order
