-- OpenCart 4.1 dropped the categories' dates: they are null, and a date
-- filter matches no category.
SELECT COUNT(*) AS count
FROM {prefix}category c
WHERE (:parent_id IS NULL OR c.parent_id = :parent_id)
  AND (:status IS NULL OR c.status = :status)
  AND (:created_from IS NULL OR NULL >= :created_from)
  AND (:created_to IS NULL OR NULL <= :created_to)
  AND (:modified_from IS NULL OR NULL >= :modified_from)
  AND (:modified_to IS NULL OR NULL <= :modified_to)
  AND (:store_id IS NULL OR EXISTS (SELECT 1 FROM {prefix}category_to_store cs
                                     WHERE cs.category_id = c.category_id AND cs.store_id = :store_id))
