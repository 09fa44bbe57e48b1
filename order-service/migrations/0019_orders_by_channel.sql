-- Orders listed by channel, newest first (GET /v1/orders?channel=), without reading the orders of
-- every other channel on the way.
CREATE INDEX orders_by_channel ON orders (channel, created_at DESC, id DESC);
