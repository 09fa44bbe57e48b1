-- New invoices are numbered after the clones' (gap-free numbering goes on from there).
UPDATE document_counters c SET last_number = i.last
FROM (SELECT year, max(sequence) AS last FROM invoices GROUP BY year) i
WHERE c.kind = 'INV' AND c.year = i.year;
VACUUM ANALYZE;
