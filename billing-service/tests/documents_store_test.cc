// DocumentsStore on a real PostgreSQL: tax rates by region, then country, then none; invoices and
// credit notes numbered per kind and read back with their lines; units credited so far; an
// invoice's shipping given back by one credit note at most, with totals the database checks.
#include "billing-service/src/documents_store.h"

#include <pqxx/pqxx>

#include "billing-service/src/payments_store.h"
#include "billing-service/src/tax.h"
#include "billing-service/tests/billing_test_fixture.h"
#include "common/testing/query_plan.h"

namespace oms::billing {
namespace {

class DocumentsStoreTest : public BillingDbTest {};

common::v1::Address Destination(const std::string& country, const std::string& region) {
  common::v1::Address address;
  address.set_name("Erika Mustermann");
  address.set_city("Berlin");
  address.set_country(country);
  address.set_region(region);
  return address;
}

// 3 x 19.99 EUR at 19 %, for shipment `shipment_id` of `payment_id`.
v1::Invoice InvoiceDraft(const std::string& payment_id, const std::string& shipment_id) {
  google::protobuf::RepeatedPtrField<v1::BillableLine> lines;
  v1::BillableLine* line = lines.Add();
  line->set_sku("SKU-A");
  line->set_description("Item A");
  line->set_quantity(3);
  line->mutable_unit_price()->set_currency("EUR");
  line->mutable_unit_price()->set_amount_minor(1999);
  v1::Invoice draft = *PriceLines(lines, "EUR", 1900);
  draft.set_order_id("order-1");
  draft.set_payment_id(payment_id);
  draft.set_shipment_id(shipment_id);
  *draft.mutable_billing_address() = Destination("DE", "");
  draft.set_tax_country("DE");
  return draft;
}

// A card payment of order-1 authorized for 1000.00 EUR; its id.
std::string AuthorizedPayment(pqxx::work& tx) {
  NewPayment payment;
  payment.order_id = "order-1";
  payment.status = v1::PAYMENT_STATUS_AUTHORIZED;
  payment.method = v1::PAYMENT_METHOD_CARD;
  payment.currency = "EUR";
  payment.authorized_minor = 100000;
  return PaymentsStore(tx).Insert(payment);
}

TEST_F(DocumentsStoreTest, TaxRatesAreTheRegionsThenTheCountrysThenNone) {
  absl::Status status = pool_->InTransaction([&](pqxx::work& tx) {
    DocumentsStore documents(tx);
    EXPECT_EQ(documents.TaxRateBp(Destination("US", "CA")), 725);
    EXPECT_EQ(documents.TaxRateBp(Destination("US", "OR")), 0);  // the country's row
    EXPECT_EQ(documents.TaxRateBp(Destination("FR", "IDF")), 2000);
    EXPECT_FALSE(documents.TaxRateBp(Destination("ZZ", "")).has_value());
    return absl::OkStatus();
  });
  ASSERT_TRUE(status.ok()) << status;
}

TEST_F(DocumentsStoreTest, DocumentsAreNumberedPerKindAndReadBackWithTheirLines) {
  v1::Invoice invoice;
  v1::CreditNote note;
  v1::ListInvoicesResponse listed;
  absl::Status status = pool_->InTransaction([&](pqxx::work& tx) {
    const std::string payment_id = AuthorizedPayment(tx);

    DocumentsStore documents(tx);
    EXPECT_FALSE(documents.FindInvoice(payment_id, "shp-1").has_value());
    documents.IssueInvoice(InvoiceDraft(payment_id, "shp-1"), std::nullopt, &invoice);
    std::optional<v1::Invoice> found = documents.FindInvoice(payment_id, "shp-1");
    EXPECT_TRUE(found.has_value() && found->SerializeAsString() == invoice.SerializeAsString());
    EXPECT_TRUE(documents.CreditedQuantities(invoice.id()).empty());

    google::protobuf::RepeatedPtrField<v1::RefundLine> returned;
    returned.Add()->set_sku("SKU-A");
    returned[0].set_quantity(2);
    v1::CreditNote draft = *CreditLines(invoice, {}, returned);
    draft.set_order_id("order-1");
    draft.set_payment_id(payment_id);
    draft.set_invoice_id(invoice.id());
    draft.set_reason("returned");
    documents.IssueCreditNote(draft, /*credits_shipping=*/false, std::nullopt, &note);
    EXPECT_EQ(documents.CreditedQuantities(invoice.id()),
              (std::map<std::string, long long>{{"SKU-A", 2}}));

    v1::Invoice second;
    documents.IssueInvoice(InvoiceDraft(payment_id, "shp-2"), std::nullopt, &second);
    EXPECT_EQ(second.number().substr(second.number().size() - 7), "-000002");
    documents.ListByOrder("order-1", &listed);
    return absl::OkStatus();
  });
  ASSERT_TRUE(status.ok()) << status;

  EXPECT_FALSE(invoice.id().empty());
  EXPECT_EQ(invoice.number().substr(0, 4), "INV-");
  EXPECT_EQ(invoice.number().substr(invoice.number().size() - 7), "-000001");
  EXPECT_EQ(invoice.shipment_id(), "shp-1");
  EXPECT_EQ(invoice.billing_address().name(), "Erika Mustermann");
  EXPECT_EQ(invoice.tax_country(), "DE");
  EXPECT_EQ(invoice.total().amount_minor(), 7137);
  EXPECT_EQ(invoice.total().currency(), "EUR");
  EXPECT_GT(invoice.issue_time().seconds(), 0);
  ASSERT_EQ(invoice.lines_size(), 1);
  EXPECT_EQ(invoice.lines(0).unit_tax().amount_minor(), 380);
  EXPECT_EQ(invoice.lines(0).tax_rate_bp(), 1900);

  EXPECT_EQ(note.number().substr(0, 3), "CN-");
  EXPECT_EQ(note.number().substr(note.number().size() - 7), "-000001");  // its own sequence
  EXPECT_EQ(note.invoice_id(), invoice.id());
  EXPECT_EQ(note.invoice_number(), invoice.number());
  EXPECT_EQ(note.reason(), "returned");
  EXPECT_EQ(note.total().amount_minor(), 2 * 2379);
  EXPECT_EQ(note.shipping().amount_minor(), 0);
  EXPECT_EQ(note.shipping().currency(), "EUR");
  EXPECT_EQ(note.shipping_tax().amount_minor(), 0);
  ASSERT_EQ(note.lines_size(), 1);
  EXPECT_EQ(note.lines(0).quantity(), 2);

  ASSERT_EQ(listed.invoices_size(), 2);
  EXPECT_EQ(listed.invoices(0).number(), invoice.number());
  ASSERT_EQ(listed.credit_notes_size(), 1);
  EXPECT_EQ(listed.credit_notes(0).number(), note.number());
  EXPECT_EQ(Query("SELECT count(*) FROM document_counters"), 2);
}

// The invoice of 3 x 19.99 with 3.55 shipping and 0.67 shipping tax (75.59), its goods credited
// in two notes, the second one with the shipping; then what the database refuses on its own.
TEST_F(DocumentsStoreTest, AnInvoicesShippingIsCreditedByOneNoteAtMost) {
  v1::Invoice invoice;
  v1::CreditNote with_shipping;
  std::string payment_id;
  auto note_of = [&](long long quantity) {
    google::protobuf::RepeatedPtrField<v1::RefundLine> returned;
    returned.Add()->set_sku("SKU-A");
    returned[0].set_quantity(quantity);
    v1::CreditNote draft = *CreditLines(invoice, {}, returned);
    draft.set_order_id("order-1");
    draft.set_payment_id(payment_id);
    draft.set_invoice_id(invoice.id());
    draft.set_reason("returned to sender");
    return draft;
  };
  absl::Status status = pool_->InTransaction([&](pqxx::work& tx) {
    payment_id = AuthorizedPayment(tx);
    DocumentsStore documents(tx);
    v1::Invoice draft = InvoiceDraft(payment_id, "shp-1");
    EXPECT_TRUE(AddShipping(355, 67, &draft).ok());
    documents.IssueInvoice(draft, std::nullopt, &invoice);

    v1::CreditNote first;
    documents.IssueCreditNote(note_of(1), /*credits_shipping=*/false, std::nullopt, &first);
    EXPECT_FALSE(documents.ShippingCredited(invoice.id()));
    v1::CreditNote rest = note_of(2);
    CreditShipping(invoice, &rest);
    documents.IssueCreditNote(rest, /*credits_shipping=*/true, std::nullopt, &with_shipping);
    EXPECT_TRUE(documents.ShippingCredited(invoice.id()));
    EXPECT_EQ(first.total().amount_minor() + with_shipping.total().amount_minor(),
              invoice.total().amount_minor());

    v1::ListInvoicesResponse listed;
    documents.ListByOrder("order-1", &listed);
    EXPECT_EQ(listed.credit_notes_size(), 2);
    EXPECT_EQ(listed.credit_notes(1).SerializeAsString(), with_shipping.SerializeAsString());
    return absl::OkStatus();
  });
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(with_shipping.shipping().amount_minor(), 355);
  EXPECT_EQ(with_shipping.shipping().currency(), "EUR");
  EXPECT_EQ(with_shipping.shipping_tax().amount_minor(), 67);
  EXPECT_EQ(with_shipping.total().amount_minor(), 2 * 2379 + 355 + 67);

  // Each in a transaction of its own, which the database refuses.
  auto refused = [&](const v1::CreditNote& draft, bool credits_shipping) {
    absl::Status outcome = pool_->InTransaction([&](pqxx::work& tx) {
      v1::CreditNote out;
      DocumentsStore(tx).IssueCreditNote(draft, credits_shipping, std::nullopt, &out);
      return absl::OkStatus();
    });
    return !outcome.ok();
  };
  v1::CreditNote second = note_of(1);  // the goods of it are not the database's to bound
  CreditShipping(invoice, &second);
  EXPECT_TRUE(refused(second, true));   // a second note giving the shipping back
  EXPECT_TRUE(refused(second, false));  // shipping on a note that does not give it back
  v1::CreditNote off = note_of(1);
  off.mutable_total()->set_amount_minor(off.total().amount_minor() - 1);
  EXPECT_TRUE(refused(off, false));  // a total other than its parts
  EXPECT_EQ(Query("SELECT count(*) FROM credit_notes"), 2);
  EXPECT_EQ(Query("SELECT count(*) FROM credit_notes WHERE credits_shipping"), 1);
}

TEST_F(DocumentsStoreTest, TheShippingLookupIsServedByAnIndex) {
  testing::ExpectServedByIndexes(
      *pool_, DocumentsStore::Statements(),
      {{"credit_notes_shipping_credited", "'00000000-0000-0000-0000-000000000000'"}});
}

}  // namespace
}  // namespace oms::billing
