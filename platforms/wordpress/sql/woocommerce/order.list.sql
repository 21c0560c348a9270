-- Orders kept as posts (WooCommerce's storage before HPOS, and with the
-- option woocommerce_custom_orders_table_enabled not 'yes'): shop_order
-- posts whose post_status is the status (wc-processing), with the order's
-- data in postmeta. Drafts of the block checkout (wc-checkout-draft) and
-- trashed orders are left out unless asked for; `status` may be given
-- with or without the wc- prefix.
SELECT p.ID AS id,
       NULL AS invoice_prefix,
       NULL AS invoice_no,
       p.post_status AS status_id,
       CASE p.post_status
         WHEN 'wc-pending' THEN 'Pending payment' WHEN 'wc-processing' THEN 'Processing'
         WHEN 'wc-on-hold' THEN 'On hold' WHEN 'wc-completed' THEN 'Completed'
         WHEN 'wc-cancelled' THEN 'Cancelled' WHEN 'wc-refunded' THEN 'Refunded'
         WHEN 'wc-failed' THEN 'Failed' WHEN 'wc-checkout-draft' THEN 'Draft'
         ELSE p.post_status END AS status,
       NULLIF(CAST(MAX(CASE WHEN m.meta_key = '_customer_user' THEN m.meta_value END) AS UNSIGNED), 0) AS customer__id,
       MAX(CASE WHEN m.meta_key = '_billing_email' THEN m.meta_value END) AS customer__email,
       MAX(CASE WHEN m.meta_key = '_billing_first_name' THEN m.meta_value END) AS customer__first_name,
       MAX(CASE WHEN m.meta_key = '_billing_last_name' THEN m.meta_value END) AS customer__last_name,
       MAX(CASE WHEN m.meta_key = '_billing_phone' THEN m.meta_value END) AS customer__telephone,
       NULL AS customer__customer_group_id,
       MAX(CASE WHEN m.meta_key = '_billing_first_name' THEN m.meta_value END) AS billing_address__first_name,
       MAX(CASE WHEN m.meta_key = '_billing_last_name' THEN m.meta_value END) AS billing_address__last_name,
       MAX(CASE WHEN m.meta_key = '_billing_company' THEN m.meta_value END) AS billing_address__company,
       MAX(CASE WHEN m.meta_key = '_billing_address_1' THEN m.meta_value END) AS billing_address__address_1,
       MAX(CASE WHEN m.meta_key = '_billing_address_2' THEN m.meta_value END) AS billing_address__address_2,
       MAX(CASE WHEN m.meta_key = '_billing_city' THEN m.meta_value END) AS billing_address__city,
       MAX(CASE WHEN m.meta_key = '_billing_postcode' THEN m.meta_value END) AS billing_address__postcode,
       MAX(CASE WHEN m.meta_key = '_billing_country' THEN m.meta_value END) AS billing_address__country,
       NULL AS billing_address__country_id,
       MAX(CASE WHEN m.meta_key = '_billing_state' THEN m.meta_value END) AS billing_address__zone,
       NULL AS billing_address__zone_id,
       MAX(CASE WHEN m.meta_key = '_shipping_first_name' THEN m.meta_value END) AS shipping_address__first_name,
       MAX(CASE WHEN m.meta_key = '_shipping_last_name' THEN m.meta_value END) AS shipping_address__last_name,
       MAX(CASE WHEN m.meta_key = '_shipping_company' THEN m.meta_value END) AS shipping_address__company,
       MAX(CASE WHEN m.meta_key = '_shipping_address_1' THEN m.meta_value END) AS shipping_address__address_1,
       MAX(CASE WHEN m.meta_key = '_shipping_address_2' THEN m.meta_value END) AS shipping_address__address_2,
       MAX(CASE WHEN m.meta_key = '_shipping_city' THEN m.meta_value END) AS shipping_address__city,
       MAX(CASE WHEN m.meta_key = '_shipping_postcode' THEN m.meta_value END) AS shipping_address__postcode,
       MAX(CASE WHEN m.meta_key = '_shipping_country' THEN m.meta_value END) AS shipping_address__country,
       NULL AS shipping_address__country_id,
       MAX(CASE WHEN m.meta_key = '_shipping_state' THEN m.meta_value END) AS shipping_address__zone,
       NULL AS shipping_address__zone_id,
       MAX(CASE WHEN m.meta_key = '_payment_method_title' THEN m.meta_value END) AS payment_method,
       (SELECT GROUP_CONCAT(i.order_item_name ORDER BY i.order_item_id SEPARATOR ', ')
          FROM {prefix}woocommerce_order_items i
         WHERE i.order_id = p.ID AND i.order_item_type = 'shipping') AS shipping_method,
       MAX(CASE WHEN m.meta_key = '_order_currency' THEN m.meta_value END) AS currency,
       '1' AS currency_value,
       MAX(CASE WHEN m.meta_key = '_order_total' THEN m.meta_value END) AS total,
       p.post_excerpt AS comment,
       0 AS store_id,
       p.post_date AS created_at,
       p.post_modified AS modified_at
FROM {prefix}posts p
LEFT JOIN {prefix}postmeta m
  ON m.post_id = p.ID
 AND m.meta_key IN ('_customer_user', '_billing_email', '_billing_first_name', '_billing_last_name',
                    '_billing_phone', '_billing_company', '_billing_address_1', '_billing_address_2',
                    '_billing_city', '_billing_postcode', '_billing_country', '_billing_state',
                    '_shipping_first_name', '_shipping_last_name', '_shipping_company',
                    '_shipping_address_1', '_shipping_address_2', '_shipping_city',
                    '_shipping_postcode', '_shipping_country', '_shipping_state',
                    '_payment_method_title', '_order_currency', '_order_total')
WHERE p.ID > :after AND p.ID <= :until
  AND (:ids_count = 0 OR p.ID IN (:ids))
  AND p.post_type = 'shop_order'
  AND ((:status IS NULL AND p.post_status NOT IN ('wc-checkout-draft', 'trash', 'auto-draft', 'draft'))
       OR p.post_status = CASE WHEN :status LIKE 'wc-%' OR :status = 'trash' THEN :status ELSE CONCAT('wc-', :status) END)
  AND (:customer_id IS NULL OR EXISTS (SELECT 1 FROM {prefix}postmeta c WHERE c.post_id = p.ID
                                         AND c.meta_key = '_customer_user' AND c.meta_value = :customer_id))
  AND (:created_from IS NULL OR p.post_date >= :created_from)
  AND (:created_to IS NULL OR p.post_date <= :created_to)
  AND (:modified_from IS NULL OR p.post_modified >= :modified_from)
  AND (:modified_to IS NULL OR p.post_modified <= :modified_to)
  AND (:store_id IS NULL OR :store_id = 0)
GROUP BY p.ID, p.post_status, p.post_excerpt, p.post_date, p.post_modified
ORDER BY p.ID
LIMIT :limit OFFSET :offset
