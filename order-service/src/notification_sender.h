// Where customer notifications go: by default nowhere beyond the notifications table, which is
// then the local outbox another system (or a test) reads; with a mail server configured, by SMTP
// (libcurl), then recorded there too.
#pragma once

#include <chrono>
#include <string>

#include "absl/status/status.h"
#include "oms/order/v1/order.pb.h"

namespace oms::order {

class NotificationSender {
 public:
  virtual ~NotificationSender() = default;
  // What Notification.channel records: "outbox" or "smtp".
  virtual std::string channel() const = 0;
  // Hands `notification` over; an error leaves it to be tried again.
  [[nodiscard]] virtual absl::Status Send(const v1::Notification& notification) = 0;
};

// The local outbox: the notifications table itself.
class OutboxSender final : public NotificationSender {
 public:
  std::string channel() const override { return "outbox"; }
  absl::Status Send(const v1::Notification&) override { return absl::OkStatus(); }
};

struct SmtpOptions {
  std::string url;   // smtp://host:port (smtps:// for TLS from the start)
  std::string from;  // the From header, e.g. "Shop <orders@shop.example>"
  std::chrono::milliseconds timeout{10000};
};

// One mail per call, on the caller's thread (the notifier's own), within the timeout.
class SmtpSender final : public NotificationSender {
 public:
  explicit SmtpSender(SmtpOptions options) : options_(std::move(options)) {}
  std::string channel() const override { return "smtp"; }
  absl::Status Send(const v1::Notification& notification) override;

 private:
  SmtpOptions options_;
};

}  // namespace oms::order
