-- Orders kept as posts, as order.list counts them.
SELECT COUNT(*) AS count
FROM {prefix}posts p
WHERE p.post_type = 'shop_order'
  AND ((:status IS NULL AND p.post_status NOT IN ('wc-checkout-draft', 'trash', 'auto-draft', 'draft'))
       OR p.post_status = CASE WHEN :status LIKE 'wc-%' OR :status = 'trash' THEN :status ELSE CONCAT('wc-', :status) END)
  AND (:customer_id IS NULL OR EXISTS (SELECT 1 FROM {prefix}postmeta c WHERE c.post_id = p.ID
                                         AND c.meta_key = '_customer_user' AND c.meta_value = :customer_id))
  AND (:created_from IS NULL OR p.post_date >= :created_from)
  AND (:created_to IS NULL OR p.post_date <= :created_to)
  AND (:modified_from IS NULL OR p.post_modified >= :modified_from)
  AND (:modified_to IS NULL OR p.post_modified <= :modified_to)
  AND (:store_id IS NULL OR :store_id = 0)
