-- A store view; 0 is the admin store (no filter).
SELECT s.store_id FROM {prefix}store s WHERE s.store_id = :id
