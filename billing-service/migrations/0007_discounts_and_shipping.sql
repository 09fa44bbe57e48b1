-- Discounted units and a shipping charge (docs/commerce.md section 1, billing-service/src/tax.h).
-- A document line of q units at unit price p with unit discount d and e extra units has its
-- first e units at net p - d - 1 and the other q - e at net p - d, each class taxed per unit:
--   discount = d * q + e,  net = p * q - discount,
--   tax = (q - e) * unit_tax + e * round_half_up((p - d - 1) * rate)   (unit_tax: the p - d class)
-- An invoice also bills a shipping charge and its tax, in its total. The new columns default to
-- 0, which is every existing row's exact meaning, and the replaced checks hold for those rows
-- unchanged (d = e = 0 and no shipping give back the old equations).
-- The checks replaced are 0001's unnamed ones over several columns, which PostgreSQL named
-- <table>_check (net = unit_price * quantity) and <table>_check1 (tax = unit_tax * quantity);
-- <table>_check2 (total = net + tax) stays.

ALTER TABLE invoice_lines
  ADD COLUMN unit_discount_minor  bigint NOT NULL DEFAULT 0,
  ADD COLUMN extra_discount_units bigint NOT NULL DEFAULT 0,
  ADD COLUMN discount_minor       bigint NOT NULL DEFAULT 0,
  DROP CONSTRAINT invoice_lines_check,
  DROP CONSTRAINT invoice_lines_check1,
  ADD CONSTRAINT invoice_lines_discount CHECK (
    unit_discount_minor BETWEEN 0 AND unit_price_minor
    AND extra_discount_units BETWEEN 0 AND quantity
    AND (extra_discount_units = 0 OR unit_discount_minor < unit_price_minor)
    AND discount_minor = unit_discount_minor * quantity + extra_discount_units),
  ADD CONSTRAINT invoice_lines_net CHECK (net_minor = unit_price_minor * quantity - discount_minor),
  ADD CONSTRAINT invoice_lines_tax CHECK (
    tax_minor = unit_tax_minor * (quantity - extra_discount_units) + extra_discount_units
      * (((unit_price_minor - unit_discount_minor - 1) * tax_rate_bp + 5000) / 10000));

ALTER TABLE credit_note_lines
  ADD COLUMN unit_discount_minor  bigint NOT NULL DEFAULT 0,
  ADD COLUMN extra_discount_units bigint NOT NULL DEFAULT 0,
  ADD COLUMN discount_minor       bigint NOT NULL DEFAULT 0,
  DROP CONSTRAINT credit_note_lines_check,
  DROP CONSTRAINT credit_note_lines_check1,
  ADD CONSTRAINT credit_note_lines_discount CHECK (
    unit_discount_minor BETWEEN 0 AND unit_price_minor
    AND extra_discount_units BETWEEN 0 AND quantity
    AND (extra_discount_units = 0 OR unit_discount_minor < unit_price_minor)
    AND discount_minor = unit_discount_minor * quantity + extra_discount_units),
  ADD CONSTRAINT credit_note_lines_net
    CHECK (net_minor = unit_price_minor * quantity - discount_minor),
  ADD CONSTRAINT credit_note_lines_tax CHECK (
    tax_minor = unit_tax_minor * (quantity - extra_discount_units) + extra_discount_units
      * (((unit_price_minor - unit_discount_minor - 1) * tax_rate_bp + 5000) / 10000));

-- The invoice's shipping charge and its tax: the capture's shares, given by the order service.
-- subtotal and tax stay the goods'; the total is what the capture took.
ALTER TABLE invoices
  ADD COLUMN shipping_minor     bigint NOT NULL DEFAULT 0 CHECK (shipping_minor >= 0),
  ADD COLUMN shipping_tax_minor bigint NOT NULL DEFAULT 0 CHECK (shipping_tax_minor >= 0),
  DROP CONSTRAINT invoices_check,
  ADD CONSTRAINT invoices_total
    CHECK (total_minor = subtotal_minor + tax_minor + shipping_minor + shipping_tax_minor);
