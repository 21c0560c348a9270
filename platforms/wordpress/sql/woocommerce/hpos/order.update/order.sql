-- An order in the HPOS tables: wc_orders.status and its update time. As
-- WooCommerce does on a status change: the paid date is set when the order
-- first becomes processing or completed, the completed date when it
-- completes; the posts copy (kept when compatibility sync is on; otherwise
-- a placeholder post that this leaves alone) and the analytics copy
-- (wc_order_stats) follow.
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

UPDATE {prefix}posts
SET post_status = CASE WHEN :status LIKE 'wc-%' THEN :status ELSE CONCAT('wc-', :status) END,
    post_modified = :now,
    post_modified_gmt = UTC_TIMESTAMP()
WHERE ID = :id AND post_type = 'shop_order';

UPDATE {prefix}wc_order_stats
SET status = CASE WHEN :status LIKE 'wc-%' THEN :status ELSE CONCAT('wc-', :status) END
WHERE order_id = :id;
