-- WooCommerce's stock moves on a status change, for an order kept as
-- posts (its flag is the postmeta _order_stock_reduced). They run on every
-- change of status, as WooCommerce decides from the new status and the
-- flag, not from the old status. Processing, completed or on hold: unless
-- its stock was taken already, each line's product or variation that
-- manages stock loses the quantity, the line remembers it (itemmeta
-- _reduced_stock) and the flag is set. Cancelled or pending: when its
-- stock was taken, each line gives back what it remembers, which is
-- forgotten, and the flag is cleared. The products' _stock_status, lookup
-- rows and product_visibility `outofstock` term follow their stock.
UPDATE {prefix}postmeta s
JOIN {prefix}postmeta ms ON ms.post_id = s.post_id AND ms.meta_key = '_manage_stock' AND ms.meta_value = 'yes'
JOIN (SELECT COALESCE(NULLIF(v.meta_value, '0'), p.meta_value) AS product_id, SUM(q.meta_value) AS quantity
        FROM {prefix}woocommerce_order_items i
        JOIN {prefix}woocommerce_order_itemmeta p ON p.order_item_id = i.order_item_id AND p.meta_key = '_product_id'
        LEFT JOIN {prefix}woocommerce_order_itemmeta v ON v.order_item_id = i.order_item_id AND v.meta_key = '_variation_id'
        JOIN {prefix}woocommerce_order_itemmeta q ON q.order_item_id = i.order_item_id AND q.meta_key = '_qty'
       WHERE i.order_id = :id AND i.order_item_type = 'line_item'
         AND NOT EXISTS (SELECT 1 FROM {prefix}woocommerce_order_itemmeta r
                          WHERE r.order_item_id = i.order_item_id AND r.meta_key = '_reduced_stock')
       GROUP BY 1) l ON l.product_id = s.post_id
LEFT JOIN {prefix}postmeta fl ON fl.post_id = :id AND fl.meta_key = '_order_stock_reduced' AND fl.meta_value IN ('yes', '1')
SET s.meta_value = CAST(s.meta_value AS SIGNED) - l.quantity
WHERE s.meta_key = '_stock' AND fl.meta_id IS NULL
  AND REPLACE(:status, 'wc-', '') IN ('processing', 'completed', 'on-hold')
  AND CONCAT('wc-', REPLACE(:status, 'wc-', '')) <> :old_status_id;

INSERT INTO {prefix}woocommerce_order_itemmeta (order_item_id, meta_key, meta_value)
SELECT i.order_item_id, '_reduced_stock', q.meta_value
FROM {prefix}woocommerce_order_items i
JOIN {prefix}woocommerce_order_itemmeta p ON p.order_item_id = i.order_item_id AND p.meta_key = '_product_id'
LEFT JOIN {prefix}woocommerce_order_itemmeta v ON v.order_item_id = i.order_item_id AND v.meta_key = '_variation_id'
JOIN {prefix}woocommerce_order_itemmeta q ON q.order_item_id = i.order_item_id AND q.meta_key = '_qty'
JOIN {prefix}postmeta ms ON ms.post_id = COALESCE(NULLIF(v.meta_value, '0'), p.meta_value)
                        AND ms.meta_key = '_manage_stock' AND ms.meta_value = 'yes'
WHERE i.order_id = :id AND i.order_item_type = 'line_item'
  AND REPLACE(:status, 'wc-', '') IN ('processing', 'completed', 'on-hold')
  AND CONCAT('wc-', REPLACE(:status, 'wc-', '')) <> :old_status_id
  AND NOT EXISTS (SELECT 1 FROM {prefix}woocommerce_order_itemmeta r
                   WHERE r.order_item_id = i.order_item_id AND r.meta_key = '_reduced_stock')
  AND NOT EXISTS (SELECT 1 FROM {prefix}postmeta fl
                   WHERE fl.post_id = :id AND fl.meta_key = '_order_stock_reduced' AND fl.meta_value IN ('yes', '1'));

UPDATE {prefix}postmeta s
JOIN {prefix}postmeta ms ON ms.post_id = s.post_id AND ms.meta_key = '_manage_stock' AND ms.meta_value = 'yes'
JOIN (SELECT COALESCE(NULLIF(v.meta_value, '0'), p.meta_value) AS product_id, SUM(r.meta_value) AS quantity
        FROM {prefix}woocommerce_order_items i
        JOIN {prefix}woocommerce_order_itemmeta p ON p.order_item_id = i.order_item_id AND p.meta_key = '_product_id'
        LEFT JOIN {prefix}woocommerce_order_itemmeta v ON v.order_item_id = i.order_item_id AND v.meta_key = '_variation_id'
        JOIN {prefix}woocommerce_order_itemmeta r ON r.order_item_id = i.order_item_id AND r.meta_key = '_reduced_stock'
       WHERE i.order_id = :id AND i.order_item_type = 'line_item'
       GROUP BY 1) l ON l.product_id = s.post_id
JOIN {prefix}postmeta fl ON fl.post_id = :id AND fl.meta_key = '_order_stock_reduced' AND fl.meta_value IN ('yes', '1')
SET s.meta_value = CAST(s.meta_value AS SIGNED) + l.quantity
WHERE s.meta_key = '_stock'
  AND REPLACE(:status, 'wc-', '') IN ('cancelled', 'pending')
  AND CONCAT('wc-', REPLACE(:status, 'wc-', '')) <> :old_status_id;

DELETE r FROM {prefix}woocommerce_order_itemmeta r
JOIN {prefix}woocommerce_order_items i ON i.order_item_id = r.order_item_id AND i.order_id = :id
JOIN {prefix}postmeta fl ON fl.post_id = :id AND fl.meta_key = '_order_stock_reduced' AND fl.meta_value IN ('yes', '1')
WHERE r.meta_key = '_reduced_stock'
  AND REPLACE(:status, 'wc-', '') IN ('cancelled', 'pending')
  AND CONCAT('wc-', REPLACE(:status, 'wc-', '')) <> :old_status_id;

UPDATE {prefix}postmeta ss
JOIN {prefix}postmeta s ON s.post_id = ss.post_id AND s.meta_key = '_stock'
JOIN {prefix}postmeta ms ON ms.post_id = ss.post_id AND ms.meta_key = '_manage_stock' AND ms.meta_value = 'yes'
JOIN (SELECT DISTINCT COALESCE(NULLIF(v.meta_value, '0'), p.meta_value) AS product_id
        FROM {prefix}woocommerce_order_items i
        JOIN {prefix}woocommerce_order_itemmeta p ON p.order_item_id = i.order_item_id AND p.meta_key = '_product_id'
        LEFT JOIN {prefix}woocommerce_order_itemmeta v ON v.order_item_id = i.order_item_id AND v.meta_key = '_variation_id'
       WHERE i.order_id = :id AND i.order_item_type = 'line_item') l ON l.product_id = ss.post_id
LEFT JOIN {prefix}postmeta bo ON bo.post_id = ss.post_id AND bo.meta_key = '_backorders'
LEFT JOIN {prefix}options ns ON ns.option_name = 'woocommerce_notify_no_stock_amount'
SET ss.meta_value = CASE
      WHEN CAST(s.meta_value AS SIGNED) > CAST(COALESCE(NULLIF(ns.option_value, ''), '0') AS SIGNED) THEN 'instock'
      WHEN COALESCE(bo.meta_value, 'no') IN ('yes', 'notify') THEN 'onbackorder'
      ELSE 'outofstock' END
WHERE ss.meta_key = '_stock_status';

UPDATE {prefix}wc_product_meta_lookup lk
JOIN {prefix}postmeta s ON s.post_id = lk.product_id AND s.meta_key = '_stock'
JOIN {prefix}postmeta ss ON ss.post_id = lk.product_id AND ss.meta_key = '_stock_status'
JOIN {prefix}postmeta ms ON ms.post_id = lk.product_id AND ms.meta_key = '_manage_stock' AND ms.meta_value = 'yes'
JOIN (SELECT DISTINCT COALESCE(NULLIF(v.meta_value, '0'), p.meta_value) AS product_id
        FROM {prefix}woocommerce_order_items i
        JOIN {prefix}woocommerce_order_itemmeta p ON p.order_item_id = i.order_item_id AND p.meta_key = '_product_id'
        LEFT JOIN {prefix}woocommerce_order_itemmeta v ON v.order_item_id = i.order_item_id AND v.meta_key = '_variation_id'
       WHERE i.order_id = :id AND i.order_item_type = 'line_item') l ON l.product_id = lk.product_id
SET lk.stock_quantity = s.meta_value + 0, lk.stock_status = ss.meta_value;

DELETE tr FROM {prefix}term_relationships tr
JOIN {prefix}term_taxonomy tt ON tt.term_taxonomy_id = tr.term_taxonomy_id AND tt.taxonomy = 'product_visibility'
JOIN {prefix}terms t ON t.term_id = tt.term_id AND t.slug = 'outofstock'
JOIN {prefix}woocommerce_order_items i ON i.order_id = :id AND i.order_item_type = 'line_item'
JOIN {prefix}woocommerce_order_itemmeta p ON p.order_item_id = i.order_item_id AND p.meta_key = '_product_id'
WHERE tr.object_id = p.meta_value;

INSERT INTO {prefix}term_relationships (object_id, term_taxonomy_id)
SELECT DISTINCT pr.ID, tt.term_taxonomy_id
FROM {prefix}woocommerce_order_items i
JOIN {prefix}woocommerce_order_itemmeta p ON p.order_item_id = i.order_item_id AND p.meta_key = '_product_id'
JOIN {prefix}posts pr ON pr.ID = p.meta_value AND pr.post_type = 'product'
JOIN {prefix}postmeta ss ON ss.post_id = pr.ID AND ss.meta_key = '_stock_status' AND ss.meta_value = 'outofstock'
JOIN {prefix}term_taxonomy tt ON tt.taxonomy = 'product_visibility'
JOIN {prefix}terms t ON t.term_id = tt.term_id AND t.slug = 'outofstock'
WHERE i.order_id = :id AND i.order_item_type = 'line_item';

UPDATE {prefix}term_taxonomy tt
JOIN {prefix}terms t ON t.term_id = tt.term_id AND t.slug = 'outofstock'
SET tt.count = (SELECT COUNT(*) FROM {prefix}term_relationships r WHERE r.term_taxonomy_id = tt.term_taxonomy_id)
WHERE tt.taxonomy = 'product_visibility';

DELETE FROM {prefix}postmeta
WHERE post_id = :id AND meta_key = '_order_stock_reduced'
  AND REPLACE(:status, 'wc-', '') IN ('processing', 'completed', 'on-hold', 'cancelled', 'pending')
  AND CONCAT('wc-', REPLACE(:status, 'wc-', '')) <> :old_status_id;

INSERT INTO {prefix}postmeta (post_id, meta_key, meta_value)
SELECT :id, '_order_stock_reduced',
       CASE WHEN REPLACE(:status, 'wc-', '') IN ('cancelled', 'pending') THEN 'no' ELSE 'yes' END
FROM DUAL
WHERE REPLACE(:status, 'wc-', '') IN ('processing', 'completed', 'on-hold', 'cancelled', 'pending')
  AND CONCAT('wc-', REPLACE(:status, 'wc-', '')) <> :old_status_id;
