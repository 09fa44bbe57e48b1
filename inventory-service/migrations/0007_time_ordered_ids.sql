-- Ids in the order they are made (UUID version 7: the first 48 bits the milliseconds since
-- the epoch, then 74 random bits), so that a new row's key goes to the end of its index, and of
-- every index of another table that refers to it, rather than to a random page of it. With
-- random ids (version 4), every order touched a random page of each such index: once the
-- indexes outgrew the cache, each order read some twenty pages into the database's cache and,
-- after each checkpoint, wrote as many whole pages to the WAL, so that an order cost more the
-- more orders came before it. Existing rows keep their ids; new ones are as hard to guess.
CREATE FUNCTION time_ordered_uuid() RETURNS uuid LANGUAGE sql VOLATILE PARALLEL SAFE AS $$
  SELECT encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) PLACING
    substring(int8send((extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
    FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid
$$;

ALTER TABLE reservations ALTER COLUMN id SET DEFAULT time_ordered_uuid();
