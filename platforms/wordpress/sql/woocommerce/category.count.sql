SELECT COUNT(*) AS count
FROM {prefix}terms t
JOIN {prefix}term_taxonomy tt ON tt.term_id = t.term_id AND tt.taxonomy = 'product_cat'
WHERE (:parent_id IS NULL OR tt.parent = :parent_id)
  AND (:status IS NULL OR :status = 1)
  AND (:created_from IS NULL OR 1 = 0)
  AND (:created_to IS NULL OR 1 = 0)
  AND (:modified_from IS NULL OR 1 = 0)
  AND (:modified_to IS NULL OR 1 = 0)
  AND (:store_id IS NULL OR :store_id = 0)
