-- A refused request keeps its claim, with the refusal as its answer (code, message and the
-- google.rpc.Status details its payloads travel in; the response stays NULL): a repeat of the
-- request id gets the same refusal, whatever changed since, so a late duplicate of a refused
-- request never takes effect (common/idempotency.h).
ALTER TABLE request_results
  ADD COLUMN refusal_code    integer,
  ADD COLUMN refusal_message text,
  ADD COLUMN refusal_details bytea,
  ADD CONSTRAINT request_results_one_answer
    CHECK (refusal_code IS NULL OR (refusal_code > 0 AND response IS NULL));
