-- Payments and their provider transactions, invoices and credit notes with their gap-free
-- numbering, and the tax rates invoices are computed with.

-- The stored outcome of every mutating request, written in the same transaction as its effect,
-- so that a repeat returns it instead of acting twice.
CREATE TABLE request_results (
  request_id   text PRIMARY KEY,
  method       text NOT NULL,
  request_hash text NOT NULL,
  response     bytea,
  created_at   timestamptz NOT NULL DEFAULT now()
);

-- One payment per order. The amount invariants are the database's to keep, not only the code's.
-- A tombstone is the record a void left for an authorization that had not arrived: it refuses
-- the late authorization.
CREATE TABLE payments (
  id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  order_id                text NOT NULL UNIQUE,
  status                  text NOT NULL CHECK (status IN ('AUTHORIZED', 'PARTIALLY_CAPTURED',
                            'CAPTURED', 'VOIDED', 'PARTIALLY_REFUNDED', 'REFUNDED', 'DECLINED')),
  method                  text NOT NULL DEFAULT '',
  currency                text NOT NULL DEFAULT '',
  authorized_minor        bigint NOT NULL DEFAULT 0,
  captured_minor          bigint NOT NULL DEFAULT 0,
  voided_minor            bigint NOT NULL DEFAULT 0,
  refunded_minor          bigint NOT NULL DEFAULT 0,
  provider                text NOT NULL DEFAULT '',
  authorization_reference text NOT NULL DEFAULT '',
  decline_code            text NOT NULL DEFAULT '',
  tombstone               boolean NOT NULL DEFAULT false,
  created_at              timestamptz NOT NULL DEFAULT now(),
  updated_at              timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT payments_amounts CHECK (
    authorized_minor >= 0 AND captured_minor >= 0 AND voided_minor >= 0 AND refunded_minor >= 0
    AND captured_minor + voided_minor <= authorized_minor AND refunded_minor <= captured_minor),
  CONSTRAINT payments_currency CHECK (tombstone OR currency ~ '^[A-Z]{3}$')
);

-- Every call billing made to the provider and what it answered. Append-only; an effect
-- (approved or declined) is recorded once per idempotency key.
CREATE TABLE payment_transactions (
  id                 bigserial PRIMARY KEY,
  payment_id         uuid NOT NULL REFERENCES payments (id),
  kind               text NOT NULL CHECK (kind IN ('AUTHORIZE', 'CAPTURE', 'VOID', 'REFUND')),
  amount_minor       bigint NOT NULL CHECK (amount_minor >= 0),
  currency           text NOT NULL,
  outcome            text NOT NULL CHECK (outcome IN ('APPROVED', 'DECLINED', 'UNAVAILABLE')),
  idempotency_key    text NOT NULL,
  provider_reference text NOT NULL DEFAULT '',
  decline_code       text NOT NULL DEFAULT '',
  request_id         text NOT NULL,
  shipment_id        text NOT NULL DEFAULT '',
  created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX payment_transactions_effect_once ON payment_transactions (idempotency_key)
  WHERE outcome <> 'UNAVAILABLE';
CREATE INDEX payment_transactions_by_payment ON payment_transactions (payment_id, id);

-- Gap-free numbering: one counter row per (kind, year), incremented under its row lock in the
-- transaction that inserts the document, so a rolled-back document gives its number back.
CREATE TABLE document_counters (
  kind        text NOT NULL CHECK (kind IN ('INV', 'CN')),
  year        integer NOT NULL,
  last_number bigint NOT NULL,
  PRIMARY KEY (kind, year)
);

CREATE TABLE invoices (
  id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  number                 text NOT NULL UNIQUE,
  year                   integer NOT NULL,
  sequence               bigint NOT NULL,
  order_id               text NOT NULL,
  payment_id             uuid NOT NULL REFERENCES payments (id),
  shipment_id            text NOT NULL,
  currency               text NOT NULL,
  billing_name           text NOT NULL,
  billing_line1          text NOT NULL,
  billing_line2          text NOT NULL,
  billing_city           text NOT NULL,
  billing_postal_code    text NOT NULL,
  billing_region         text NOT NULL,
  billing_country        text NOT NULL,
  tax_country            text NOT NULL,
  tax_region             text NOT NULL,
  subtotal_minor         bigint NOT NULL CHECK (subtotal_minor >= 0),
  tax_minor              bigint NOT NULL CHECK (tax_minor >= 0),
  total_minor            bigint NOT NULL CHECK (total_minor = subtotal_minor + tax_minor),
  capture_transaction_id bigint REFERENCES payment_transactions (id),
  issued_at              timestamptz NOT NULL DEFAULT now(),
  UNIQUE (year, sequence),
  -- One invoice (one capture) per shipment.
  UNIQUE (payment_id, shipment_id)
);
CREATE INDEX invoices_by_order ON invoices (order_id);

CREATE TABLE invoice_lines (
  invoice_id       uuid NOT NULL REFERENCES invoices (id),
  line_no          integer NOT NULL,
  sku              text NOT NULL,
  description      text NOT NULL,
  quantity         bigint NOT NULL CHECK (quantity > 0),
  unit_price_minor bigint NOT NULL CHECK (unit_price_minor >= 0),
  tax_rate_bp      integer NOT NULL CHECK (tax_rate_bp BETWEEN 0 AND 10000),
  unit_tax_minor   bigint NOT NULL CHECK (unit_tax_minor >= 0),
  net_minor        bigint NOT NULL CHECK (net_minor = unit_price_minor * quantity),
  tax_minor        bigint NOT NULL CHECK (tax_minor = unit_tax_minor * quantity),
  total_minor      bigint NOT NULL CHECK (total_minor = net_minor + tax_minor),
  PRIMARY KEY (invoice_id, line_no),
  UNIQUE (invoice_id, sku)
);

CREATE TABLE credit_notes (
  id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  number                text NOT NULL UNIQUE,
  year                  integer NOT NULL,
  sequence              bigint NOT NULL,
  order_id              text NOT NULL,
  payment_id            uuid NOT NULL REFERENCES payments (id),
  invoice_id            uuid NOT NULL REFERENCES invoices (id),
  reason                text NOT NULL,
  currency              text NOT NULL,
  subtotal_minor        bigint NOT NULL CHECK (subtotal_minor >= 0),
  tax_minor             bigint NOT NULL CHECK (tax_minor >= 0),
  total_minor           bigint NOT NULL CHECK (total_minor = subtotal_minor + tax_minor),
  refund_transaction_id bigint REFERENCES payment_transactions (id),
  issued_at             timestamptz NOT NULL DEFAULT now(),
  UNIQUE (year, sequence)
);
CREATE INDEX credit_notes_by_order ON credit_notes (order_id);
CREATE INDEX credit_notes_by_invoice ON credit_notes (invoice_id);

CREATE TABLE credit_note_lines (
  credit_note_id   uuid NOT NULL REFERENCES credit_notes (id),
  line_no          integer NOT NULL,
  sku              text NOT NULL,
  description      text NOT NULL,
  quantity         bigint NOT NULL CHECK (quantity > 0),
  unit_price_minor bigint NOT NULL CHECK (unit_price_minor >= 0),
  tax_rate_bp      integer NOT NULL CHECK (tax_rate_bp BETWEEN 0 AND 10000),
  unit_tax_minor   bigint NOT NULL CHECK (unit_tax_minor >= 0),
  net_minor        bigint NOT NULL CHECK (net_minor = unit_price_minor * quantity),
  tax_minor        bigint NOT NULL CHECK (tax_minor = unit_tax_minor * quantity),
  total_minor      bigint NOT NULL CHECK (total_minor = net_minor + tax_minor),
  PRIMARY KEY (credit_note_id, line_no),
  UNIQUE (credit_note_id, sku)
);

-- Issued documents and the provider-call log never change.
CREATE FUNCTION refuse_billing_record_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is immutable once written', TG_TABLE_NAME;
END $$;
CREATE TRIGGER payment_transactions_append_only BEFORE UPDATE OR DELETE ON payment_transactions
  FOR EACH ROW EXECUTE FUNCTION refuse_billing_record_change();
CREATE TRIGGER invoices_immutable BEFORE UPDATE OR DELETE ON invoices
  FOR EACH ROW EXECUTE FUNCTION refuse_billing_record_change();
CREATE TRIGGER invoice_lines_immutable BEFORE UPDATE OR DELETE ON invoice_lines
  FOR EACH ROW EXECUTE FUNCTION refuse_billing_record_change();
CREATE TRIGGER credit_notes_immutable BEFORE UPDATE OR DELETE ON credit_notes
  FOR EACH ROW EXECUTE FUNCTION refuse_billing_record_change();
CREATE TRIGGER credit_note_lines_immutable BEFORE UPDATE OR DELETE ON credit_note_lines
  FOR EACH ROW EXECUTE FUNCTION refuse_billing_record_change();

-- Tax rates by destination: `region` '' is the country's rate, a region (ISO 3166-2 subdivision
-- code without the country, e.g. 'CA' for US-CA) overrides it. A destination without a row is
-- taxed at 0 bp. Rates are copied onto each invoice line, so changing them never alters an
-- issued document.
CREATE TABLE tax_rates (
  country    char(2) NOT NULL,
  region     text NOT NULL DEFAULT '',
  rate_bp    integer NOT NULL CHECK (rate_bp BETWEEN 0 AND 10000),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (country, region)
);
-- Standard VAT rates (EU, UK, CH, NO) and state sales tax base rates (US, CA provinces).
INSERT INTO tax_rates (country, region, rate_bp) VALUES
  ('AT', '', 2000), ('BE', '', 2100), ('CH', '', 810), ('CZ', '', 2100), ('DE', '', 1900),
  ('DK', '', 2500), ('ES', '', 2100), ('FI', '', 2550), ('FR', '', 2000), ('GB', '', 2000),
  ('IE', '', 2300), ('IT', '', 2200), ('LU', '', 1700), ('NL', '', 2100), ('NO', '', 2500),
  ('PL', '', 2300), ('PT', '', 2300), ('SE', '', 2500),
  ('US', '', 0), ('US', 'CA', 725), ('US', 'NY', 400), ('US', 'TX', 625), ('US', 'WA', 650),
  ('US', 'FL', 600), ('US', 'IL', 625),
  ('CA', '', 500), ('CA', 'ON', 1300), ('CA', 'QC', 1498), ('CA', 'BC', 1200),
  ('AU', '', 1000), ('JP', '', 1000);
