-- An order kept as posts while WooCommerce keeps a copy in its HPOS tables
-- (compatibility mode: woocommerce_custom_orders_table_data_sync_enabled
-- is 'yes'): the posts first, as without the copy, then the copy follows.
UPDATE {prefix}posts
SET post_status = CASE WHEN :status LIKE 'wc-%' THEN :status ELSE CONCAT('wc-', :status) END,
    post_modified = :now,
    post_modified_gmt = UTC_TIMESTAMP()
WHERE ID = :id;

INSERT INTO {prefix}postmeta (post_id, meta_key, meta_value)
SELECT :id, k.meta_key, CASE WHEN k.meta_key LIKE '!_date!_%' ESCAPE '!' THEN UNIX_TIMESTAMP() ELSE :now END
FROM (SELECT '_date_paid' AS meta_key, 'paid' AS kind UNION ALL SELECT '_paid_date', 'paid'
      UNION ALL SELECT '_date_completed', 'completed' UNION ALL SELECT '_completed_date', 'completed') k
WHERE (k.kind = 'paid' AND REPLACE(:status, 'wc-', '') IN ('processing', 'completed')
       OR k.kind = 'completed' AND REPLACE(:status, 'wc-', '') = 'completed')
  AND NOT EXISTS (SELECT 1 FROM {prefix}postmeta x
                   WHERE x.post_id = :id AND x.meta_key = k.meta_key AND x.meta_value <> '');

UPDATE {prefix}wc_orders
SET status = CASE WHEN :status LIKE 'wc-%' THEN :status ELSE CONCAT('wc-', :status) END,
    date_updated_gmt = UTC_TIMESTAMP()
WHERE id = :id;

UPDATE {prefix}wc_order_operational_data
SET date_paid_gmt = CASE WHEN date_paid_gmt IS NULL AND REPLACE(:status, 'wc-', '') IN ('processing', 'completed')
                         THEN UTC_TIMESTAMP() ELSE date_paid_gmt END,
    date_completed_gmt = CASE WHEN date_completed_gmt IS NULL AND REPLACE(:status, 'wc-', '') = 'completed'
                              THEN UTC_TIMESTAMP() ELSE date_completed_gmt END
WHERE order_id = :id;

UPDATE {prefix}wc_order_stats
SET status = CASE WHEN :status LIKE 'wc-%' THEN :status ELSE CONCAT('wc-', :status) END
WHERE order_id = :id;
