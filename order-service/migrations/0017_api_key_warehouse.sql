-- A shipments:write key may be bound to one warehouse (NULL: any), whose shipments alone it may
-- record events on; shipping-service enforces it, as it knows each shipment's warehouse. No
-- foreign key: warehouses live in inventory-service's database.
ALTER TABLE api_keys ADD COLUMN warehouse_id uuid NULL;
