// DocumentsStore on a real PostgreSQL: tax rates by region, then country, then none; invoices and
// credit notes numbered per kind and read back with their lines; units credited so far.
#include "billing-service/src/documents_store.h"

#include <pqxx/pqxx>

#include "billing-service/src/payments_store.h"
#include "billing-service/src/tax.h"
#include "billing-service/tests/billing_test_fixture.h"

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
    NewPayment payment;
    payment.order_id = "order-1";
    payment.status = v1::PAYMENT_STATUS_AUTHORIZED;
    payment.method = v1::PAYMENT_METHOD_CARD;
    payment.currency = "EUR";
    payment.authorized_minor = 100000;
    const std::string payment_id = PaymentsStore(tx).Insert(payment);

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
    documents.IssueCreditNote(draft, std::nullopt, &note);
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
  ASSERT_EQ(note.lines_size(), 1);
  EXPECT_EQ(note.lines(0).quantity(), 2);

  ASSERT_EQ(listed.invoices_size(), 2);
  EXPECT_EQ(listed.invoices(0).number(), invoice.number());
  ASSERT_EQ(listed.credit_notes_size(), 1);
  EXPECT_EQ(listed.credit_notes(0).number(), note.number());
  EXPECT_EQ(Query("SELECT count(*) FROM document_counters"), 2);
}

}  // namespace
}  // namespace oms::billing
