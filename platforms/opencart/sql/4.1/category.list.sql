-- OpenCart 4.1 dropped the categories' dates: they are null, and a date
-- filter matches no category.
SELECT c.category_id AS id,
       c.parent_id AS parent_id,
       cd.name AS name,
       cd.description AS description,
       NULLIF(c.image, '') AS image,
       c.sort_order AS sort_order,
       c.status AS status,
       NULL AS created_at,
       NULL AS modified_at
FROM {prefix}category c
LEFT JOIN {prefix}category_description cd
       ON cd.category_id = c.category_id AND cd.language_id = :lang_id
WHERE c.category_id > :after AND c.category_id <= :until
  AND (:ids_count = 0 OR c.category_id IN (:ids))
  AND (:parent_id IS NULL OR c.parent_id = :parent_id)
  AND (:status IS NULL OR c.status = :status)
  AND (:created_from IS NULL OR NULL >= :created_from)
  AND (:created_to IS NULL OR NULL <= :created_to)
  AND (:modified_from IS NULL OR NULL >= :modified_from)
  AND (:modified_to IS NULL OR NULL <= :modified_to)
  AND (:store_id IS NULL OR EXISTS (SELECT 1 FROM {prefix}category_to_store cs
                                     WHERE cs.category_id = c.category_id AND cs.store_id = :store_id))
ORDER BY c.category_id
LIMIT :limit OFFSET :offset
