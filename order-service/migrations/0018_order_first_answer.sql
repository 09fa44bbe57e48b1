-- The first CreateOrder of a key answers by this time: with its saga's outcome, or with the
-- PENDING order when its deadline comes first. A repeat of the key before then, while the order
-- is still PENDING, is refused as IDEMPOTENCY_KEY_IN_USE: the client has not seen the first
-- answer yet. Orders from before have NULL: answered.
ALTER TABLE orders ADD COLUMN first_answer_by timestamptz;
