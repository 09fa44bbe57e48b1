-- Incremental authorization (IncrementAuthorization): an order edited after it was authorized
-- raises its ONE provider authorization instead of adding a second. The sandbox ledger records
-- each increment as an INCREMENT row under its own key, naming the authorization it raises; the
-- authorization holds its AUTHORIZE row's amount plus its approved increments, for the bounds of
-- later captures and voids and for the audit. Billing's side needs no change of schema: the
-- increment is an AUTHORIZE payment transaction of its amount, and payments.authorized_minor
-- grows under 0001's checks (captured + voided <= authorized still holds).
-- The check replaced is 0002's column check on operation, which PostgreSQL named
-- sandbox_provider_operations_operation_check; every existing row passes the new one.
ALTER TABLE sandbox_provider_operations
  DROP CONSTRAINT sandbox_provider_operations_operation_check,
  ADD CONSTRAINT sandbox_provider_operations_operation
    CHECK (operation IN ('AUTHORIZE', 'CAPTURE', 'VOID', 'REFUND', 'INCREMENT'));
