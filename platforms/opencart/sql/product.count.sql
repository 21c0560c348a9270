SELECT COUNT(*) AS count
FROM {prefix}product p
WHERE (:status IS NULL OR p.status = :status)
  AND (:created_from IS NULL OR p.date_added >= :created_from)
  AND (:created_to IS NULL OR p.date_added <= :created_to)
  AND (:modified_from IS NULL OR p.date_modified >= :modified_from)
  AND (:modified_to IS NULL OR p.date_modified <= :modified_to)
  AND (:store_id IS NULL OR EXISTS (SELECT 1 FROM {prefix}product_to_store ps
                                     WHERE ps.product_id = p.product_id AND ps.store_id = :store_id))
