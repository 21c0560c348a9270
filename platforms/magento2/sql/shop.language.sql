-- Any store view; 0 (admin) reads the default values alone.
SELECT s.store_id FROM {prefix}store s WHERE s.store_id = :id
