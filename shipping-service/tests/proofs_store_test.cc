// Photo proofs on a real PostgreSQL and a real proof directory: UploadProof stores the image once
// and records it for its shipment; GetProof answers it for that shipment only; a warehouse-bound
// upload sees only its warehouse's shipments; an event may name only a proof uploaded for it; and
// without a proof store uploads are refused PROOF_STORE_NOT_CONFIGURED.
#include <filesystem>

#include <stdlib.h>

#include "common/status.h"
#include "shipping-service/src/disk_proof_store.h"
#include "shipping-service/src/proof_rules.h"
#include "shipping-service/tests/shipping_store_fixture.h"

namespace oms::shipping {
namespace {

namespace fs = std::filesystem;

const std::string kPng(
    "\x89\x50\x4E\x47\x0D\x0A\x1A\x0A\x00\x00\x00\x0D\x49\x48\x44\x52\x00\x00\x00\x01\x00\x00"
    "\x00\x01\x08\x02\x00\x00\x00\x90\x77\x53\xDE\x00\x00\x00\x0C\x49\x44\x41\x54\x78\x9C\x63"
    "\xF8\xCF\xC0\x00\x00\x03\x01\x01\x00\xC9\xFE\x92\xEF\x00\x00\x00\x00\x49\x45\x4E\x44\xAE"
    "\x42\x60\x82",
    69);

class ProofsStoreTest : public ShippingStoreTest {
 protected:
  void SetUp() override {
    ShippingStoreTest::SetUp();
    std::string pattern = (fs::temp_directory_path() / "oms-proofs-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    auto opened = DiskProofStore::Open(dir_);
    ASSERT_TRUE(opened.ok()) << opened.status();
    proofs_ = std::make_unique<DiskProofStore>(std::move(*opened));
    with_proofs_ = std::make_unique<PgShippingUseCases>(*pool_, nullptr, proofs_.get());
  }
  void TearDown() override { fs::remove_all(dir_); }

  static v1::UploadProofRequest Upload(const std::string& shipment_id) {
    v1::UploadProofRequest request;
    request.set_shipment_id(shipment_id);
    request.set_content_type("image/png");
    request.set_data(kPng);
    return request;
  }

  std::string dir_;
  std::unique_ptr<DiskProofStore> proofs_;
  std::unique_ptr<PgShippingUseCases> with_proofs_;
};

TEST_F(ProofsStoreTest, AnUploadIsStoredOnceAndServedForItsShipmentOnly) {
  const auto shipments = Create("ord-proof-1");
  ASSERT_EQ(shipments.size(), 2u);
  const std::string id = shipments[0].id();
  v1::ProofOfDelivery proof;
  ASSERT_TRUE(with_proofs_->UploadProof(Upload(id), &proof).ok());
  const std::string sha = Sha256Hex(kPng);
  EXPECT_EQ(proof.sha256(), sha);
  EXPECT_EQ(proof.content_type(), "image/png");
  EXPECT_EQ(proof.uri(), "/v1/shipments/" + id + "/proofs/" + sha);
  v1::ProofOfDelivery again;
  ASSERT_TRUE(with_proofs_->UploadProof(Upload(id), &again).ok());
  EXPECT_EQ(again.SerializeAsString(), proof.SerializeAsString());
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir_)) {
    ++files;
    EXPECT_EQ(entry.path().filename().string(), sha + ".png");
  }
  EXPECT_EQ(files, 1);

  v1::GetProofRequest get;
  get.set_shipment_id(id);
  get.set_sha256(sha);
  v1::ProofFile file;
  ASSERT_TRUE(with_proofs_->GetProof(get, &file).ok());
  EXPECT_EQ(file.content_type(), "image/png");
  EXPECT_EQ(file.data(), kPng);
  // The other shipment of the order never had it uploaded.
  get.set_shipment_id(shipments[1].id());
  EXPECT_EQ(with_proofs_->GetProof(get, &file).code(), absl::StatusCode::kNotFound);

  // An event names it; one naming a digest never uploaded for the shipment is refused.
  v1::RecordShipmentEventRequest delivered;
  delivered.set_shipment_id(id);
  delivered.set_type(v1::SHIPMENT_EVENT_TYPE_DELIVERED);
  *delivered.mutable_occurred_at() = TimeUtil::MicrosecondsToTimestamp(kT0);
  *delivered.mutable_proof() = proof;
  v1::RecordShipmentEventRequest forged = delivered;
  forged.mutable_proof()->set_sha256(std::string(64, 'a'));
  forged.mutable_proof()->set_uri("/v1/shipments/" + id + "/proofs/" + std::string(64, 'a'));
  v1::RecordShipmentEventResponse response;
  const absl::Status refused = with_proofs_->RecordShipmentEvent(forged, &response);
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument) << refused;
  EXPECT_NE(refused.message().find("proof.sha256"), std::string::npos) << refused;
  forged = delivered;
  forged.mutable_proof()->set_content_type("image/jpeg");
  EXPECT_EQ(with_proofs_->RecordShipmentEvent(forged, &response).code(),
            absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(with_proofs_->RecordShipmentEvent(delivered, &response).ok());
  EXPECT_EQ(response.entry().proof().SerializeAsString(), proof.SerializeAsString());
  EXPECT_EQ(Get(id).journal(0).proof().uri(), proof.uri());
}

TEST_F(ProofsStoreTest, UnknownOrForeignShipmentsAndAMissingStoreAreRefused) {
  const auto shipments = Create("ord-proof-2");
  v1::ProofOfDelivery proof;
  EXPECT_EQ(
      with_proofs_->UploadProof(Upload("00000000-0000-4000-8000-000000000000"), &proof).code(),
      absl::StatusCode::kNotFound);
  // Bound to the second shipment's warehouse: the first is not found, the second accepted.
  v1::UploadProofRequest bound = Upload(shipments[0].id());
  bound.set_warehouse_id(shipments[1].warehouse_id());
  EXPECT_EQ(with_proofs_->UploadProof(bound, &proof).code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(fs::is_empty(dir_));
  bound.set_shipment_id(shipments[1].id());
  EXPECT_TRUE(with_proofs_->UploadProof(bound, &proof).ok());

  // The fixture's use cases have no proof store.
  const absl::Status unconfigured = store_->UploadProof(Upload(shipments[0].id()), &proof);
  EXPECT_EQ(unconfigured.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(unconfigured), "PROOF_STORE_NOT_CONFIGURED");
}

}  // namespace
}  // namespace oms::shipping
