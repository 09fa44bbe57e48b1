-- A parcel that never reached the customer (returned to sender) is refunded whole: its credit
-- note also gives back the invoice's shipping charge and its tax (RefundPaymentRequest
-- .include_shipping, billing-service/src/tax.h), once per invoice. The new columns default to
-- what every existing note did (no shipping credited), and the replaced check holds for those
-- rows unchanged. The check replaced is 0001's total_minor = subtotal_minor + tax_minor, which
-- PostgreSQL named credit_notes_check (as invoices_check, which 0007 replaced).

ALTER TABLE credit_notes
  ADD COLUMN shipping_minor     bigint NOT NULL DEFAULT 0 CHECK (shipping_minor >= 0),
  ADD COLUMN shipping_tax_minor bigint NOT NULL DEFAULT 0 CHECK (shipping_tax_minor >= 0),
  -- Whether this note is the one that gave back its invoice's shipping. A flag and not
  -- "shipping_minor > 0", so that an invoice without shipping is also refunded whole only once.
  ADD COLUMN credits_shipping   boolean NOT NULL DEFAULT false,
  DROP CONSTRAINT credit_notes_check,
  ADD CONSTRAINT credit_notes_total
    CHECK (total_minor = subtotal_minor + tax_minor + shipping_minor + shipping_tax_minor),
  ADD CONSTRAINT credit_notes_shipping_only_when_credited
    CHECK (credits_shipping OR (shipping_minor = 0 AND shipping_tax_minor = 0));

-- At most one note per invoice gives its shipping back, whatever two refunds race; also what
-- serves the lookup of that note (documents_store's credit_notes_shipping_credited).
CREATE UNIQUE INDEX credit_notes_shipping_once ON credit_notes (invoice_id)
  WHERE credits_shipping;
