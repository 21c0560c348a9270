-- Orders in WooCommerce's own tables (HPOS, when the option
-- woocommerce_custom_orders_table_enabled is 'yes'): wc_orders, both
-- addresses in wc_order_addresses, shipping in wc_order_operational_data.
-- HPOS keeps times in UTC only (marked with Z). Drafts of the block
-- checkout (wc-checkout-draft) and trashed orders are left out unless
-- asked for; `status` may be given with or without the wc- prefix.
SELECT o.id AS id,
       NULL AS invoice_prefix,
       NULL AS invoice_no,
       o.status AS status_id,
       CASE o.status
         WHEN 'wc-pending' THEN 'Pending payment' WHEN 'wc-processing' THEN 'Processing'
         WHEN 'wc-on-hold' THEN 'On hold' WHEN 'wc-completed' THEN 'Completed'
         WHEN 'wc-cancelled' THEN 'Cancelled' WHEN 'wc-refunded' THEN 'Refunded'
         WHEN 'wc-failed' THEN 'Failed' WHEN 'wc-checkout-draft' THEN 'Draft'
         ELSE o.status END AS status,
       NULLIF(o.customer_id, 0) AS customer__id,
       COALESCE(NULLIF(o.billing_email, ''), b.email) AS customer__email,
       b.first_name AS customer__first_name,
       b.last_name AS customer__last_name,
       b.phone AS customer__telephone,
       NULL AS customer__customer_group_id,
       b.first_name AS billing_address__first_name,
       b.last_name AS billing_address__last_name,
       b.company AS billing_address__company,
       b.address_1 AS billing_address__address_1,
       b.address_2 AS billing_address__address_2,
       b.city AS billing_address__city,
       b.postcode AS billing_address__postcode,
       b.country AS billing_address__country,
       NULL AS billing_address__country_id,
       b.state AS billing_address__zone,
       NULL AS billing_address__zone_id,
       s.first_name AS shipping_address__first_name,
       s.last_name AS shipping_address__last_name,
       s.company AS shipping_address__company,
       s.address_1 AS shipping_address__address_1,
       s.address_2 AS shipping_address__address_2,
       s.city AS shipping_address__city,
       s.postcode AS shipping_address__postcode,
       s.country AS shipping_address__country,
       NULL AS shipping_address__country_id,
       s.state AS shipping_address__zone,
       NULL AS shipping_address__zone_id,
       o.payment_method_title AS payment_method,
       (SELECT GROUP_CONCAT(i.order_item_name ORDER BY i.order_item_id SEPARATOR ', ')
          FROM {prefix}woocommerce_order_items i
         WHERE i.order_id = o.id AND i.order_item_type = 'shipping') AS shipping_method,
       o.currency AS currency,
       '1' AS currency_value,
       o.total_amount AS total,
       o.customer_note AS comment,
       0 AS store_id,
       CONCAT(o.date_created_gmt, 'Z') AS created_at,
       CONCAT(o.date_updated_gmt, 'Z') AS modified_at
FROM {prefix}wc_orders o
LEFT JOIN {prefix}wc_order_addresses b ON b.order_id = o.id AND b.address_type = 'billing'
LEFT JOIN {prefix}wc_order_addresses s ON s.order_id = o.id AND s.address_type = 'shipping'
WHERE o.id > :after AND o.id <= :until
  AND (:ids_count = 0 OR o.id IN (:ids))
  AND o.type = 'shop_order'
  AND ((:status IS NULL AND o.status NOT IN ('wc-checkout-draft', 'trash', 'auto-draft', 'draft'))
       OR o.status = CASE WHEN :status LIKE 'wc-%' OR :status = 'trash' THEN :status ELSE CONCAT('wc-', :status) END)
  AND (:customer_id IS NULL OR o.customer_id = :customer_id)
  AND (:created_from IS NULL OR o.date_created_gmt >= :created_from_utc)
  AND (:created_to IS NULL OR o.date_created_gmt <= :created_to_utc)
  AND (:modified_from IS NULL OR o.date_updated_gmt >= :modified_from_utc)
  AND (:modified_to IS NULL OR o.date_updated_gmt <= :modified_to_utc)
  AND (:store_id IS NULL OR :store_id = 0)
ORDER BY o.id
LIMIT :limit OFFSET :offset
