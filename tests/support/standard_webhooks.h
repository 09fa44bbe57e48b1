// What a webhook receiver does with the Standard Webhooks headers, written from the
// specification rather than with oms's own signing code, for tests on the receiving end.
#pragma once

#include <string>

#include "tests/support/http_receiver.h"

namespace oms::testing {

// Whether `request`'s webhook-signature is "v1," and the base64 HMAC-SHA256, keyed by the
// base64-decoded `secret` after "whsec_", of "<webhook-id>.<webhook-timestamp>.<body>".
bool StandardWebhookSignatureVerifies(const std::string& secret, const ReceivedRequest& request);

}  // namespace oms::testing
