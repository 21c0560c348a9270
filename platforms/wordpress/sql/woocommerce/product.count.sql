-- Products and variations, as product.list counts them.
SELECT COUNT(*) AS count
FROM {prefix}posts p
WHERE p.post_type IN ('product', 'product_variation')
  AND p.post_status NOT IN ('trash', 'auto-draft')
  AND (:status IS NULL OR (p.post_status = 'publish') = (:status = 1))
  AND (:created_from IS NULL OR p.post_date >= :created_from)
  AND (:created_to IS NULL OR p.post_date <= :created_to)
  AND (:modified_from IS NULL OR p.post_modified >= :modified_from)
  AND (:modified_to IS NULL OR p.post_modified <= :modified_to)
  AND (:store_id IS NULL OR :store_id = 0)
