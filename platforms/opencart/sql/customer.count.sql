SELECT COUNT(*) AS count
FROM {prefix}customer c
WHERE (:status IS NULL OR c.status = :status)
  AND (:created_from IS NULL OR c.date_added >= :created_from)
  AND (:created_to IS NULL OR c.date_added <= :created_to)
  AND (:store_id IS NULL OR c.store_id = :store_id)
