SELECT COUNT(*) AS count
FROM {prefix}category c
WHERE (:parent_id IS NULL OR c.parent_id = :parent_id)
  AND (:status IS NULL OR c.status = :status)
  AND (:created_from IS NULL OR c.date_added >= :created_from)
  AND (:created_to IS NULL OR c.date_added <= :created_to)
  AND (:modified_from IS NULL OR c.date_modified >= :modified_from)
  AND (:modified_to IS NULL OR c.date_modified <= :modified_to)
  AND (:store_id IS NULL OR EXISTS (SELECT 1 FROM {prefix}category_to_store cs
                                     WHERE cs.category_id = c.category_id AND cs.store_id = :store_id))
