-- A product's own backorder policy: what a ReserveStock with product_policies does with the units
-- of it no warehouse has (backorder_policy.h). The enum name without its prefix, as
-- reservations.state is stored. The default is stable, so existing products get REJECT (what
-- every order did with them before) without a rewrite.
ALTER TABLE products
  ADD COLUMN backorder_policy text NOT NULL DEFAULT 'REJECT'
    CONSTRAINT products_backorder_policy_known
    CHECK (backorder_policy IN ('REJECT', 'SHIP_AVAILABLE', 'BACKORDER'));
