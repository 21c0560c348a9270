-- HPOS orders, as order.list counts them.
SELECT COUNT(*) AS count
FROM {prefix}wc_orders o
WHERE o.type = 'shop_order'
  AND ((:status IS NULL AND o.status NOT IN ('wc-checkout-draft', 'trash', 'auto-draft', 'draft'))
       OR o.status = CASE WHEN :status LIKE 'wc-%' OR :status = 'trash' THEN :status ELSE CONCAT('wc-', :status) END)
  AND (:customer_id IS NULL OR o.customer_id = :customer_id)
  AND (:created_from IS NULL OR o.date_created_gmt >= :created_from_utc)
  AND (:created_to IS NULL OR o.date_created_gmt <= :created_to_utc)
  AND (:modified_from IS NULL OR o.date_updated_gmt >= :modified_from_utc)
  AND (:modified_to IS NULL OR o.date_updated_gmt <= :modified_to_utc)
  AND (:store_id IS NULL OR :store_id = 0)
