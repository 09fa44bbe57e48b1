-- Photo proofs of delivery (UploadProof): which shipment each stored image was uploaded for. The
-- bytes live in the proof store (--proof_dir), named by their sha256; GetProof answers a digest
-- only for the shipments it was uploaded for.
CREATE TABLE proofs (
  shipment_id  uuid NOT NULL REFERENCES shipments (id),
  sha256       text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  content_type text NOT NULL,
  size         bigint NOT NULL CHECK (size > 0),
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (shipment_id, sha256)
);
