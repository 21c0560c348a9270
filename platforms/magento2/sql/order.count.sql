SELECT COUNT(*) AS count
FROM {prefix}sales_order o
WHERE (:status IS NULL OR o.status = :status)
  AND (:customer_id IS NULL OR o.customer_id = :customer_id)
  AND (:created_from IS NULL OR o.created_at >= :created_from)
  AND (:created_to IS NULL OR o.created_at <= :created_to)
  AND (:modified_from IS NULL OR o.updated_at >= :modified_from)
  AND (:modified_to IS NULL OR o.updated_at <= :modified_to)
  AND (:store_id IS NULL OR o.store_id = :store_id)
