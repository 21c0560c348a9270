SELECT COUNT(*) AS count
FROM {prefix}customer_entity c
WHERE (:status IS NULL OR c.is_active = :status)
  AND (:created_from IS NULL OR c.created_at >= :created_from)
  AND (:created_to IS NULL OR c.created_at <= :created_to)
  AND (:store_id IS NULL OR c.store_id = :store_id)
