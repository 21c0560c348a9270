-- What WooCommerce's product save writes, for a price, a quantity and a
-- status: the post (published, or a draft; a disabled variation is
-- private) and its modification time; a price is the regular price, and
-- the active _price unless a sale price below it is running (a variable
-- product has no price of its own: see variants.sql); a quantity
-- turns stock management on and sets _stock and _stock_status
-- (outofstock at or below woocommerce_notify_no_stock_amount, onbackorder
-- then when backorders are allowed), and a product (not a variation) is
-- in the product_visibility term `outofstock` exactly when it is out of
-- stock; then the product's row in wc_product_meta_lookup is rebuilt from
-- its postmeta.
UPDATE {prefix}posts
SET post_status = CASE WHEN :status IS NULL THEN post_status
                       WHEN :status = 1 THEN 'publish'
                       WHEN post_type = 'product_variation' THEN 'private'
                       ELSE 'draft' END,
    post_modified = :now,
    post_modified_gmt = UTC_TIMESTAMP()
WHERE ID = :id;

UPDATE {prefix}postmeta
SET meta_value = :price
WHERE post_id = :id AND meta_key = '_regular_price' AND :price IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM {prefix}posts c WHERE c.post_parent = :id AND c.post_type = 'product_variation');

INSERT INTO {prefix}postmeta (post_id, meta_key, meta_value)
SELECT :id, '_regular_price', :price FROM DUAL
WHERE :price IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM {prefix}postmeta x WHERE x.post_id = :id AND x.meta_key = '_regular_price')
  AND NOT EXISTS (SELECT 1 FROM {prefix}posts c WHERE c.post_parent = :id AND c.post_type = 'product_variation');

UPDATE {prefix}postmeta pr
LEFT JOIN {prefix}postmeta sp ON sp.post_id = pr.post_id AND sp.meta_key = '_sale_price'
LEFT JOIN {prefix}postmeta sf ON sf.post_id = pr.post_id AND sf.meta_key = '_sale_price_dates_from'
LEFT JOIN {prefix}postmeta st ON st.post_id = pr.post_id AND st.meta_key = '_sale_price_dates_to'
SET pr.meta_value = CASE
      WHEN COALESCE(sp.meta_value, '') <> ''
       AND CAST(sp.meta_value AS DECIMAL(19,4)) < CAST(:price AS DECIMAL(19,4))
       AND (COALESCE(sf.meta_value, '') = '' OR CAST(sf.meta_value AS UNSIGNED) <= UNIX_TIMESTAMP())
       AND (COALESCE(st.meta_value, '') = '' OR CAST(st.meta_value AS UNSIGNED) >= UNIX_TIMESTAMP())
      THEN sp.meta_value
      ELSE :price END
WHERE pr.post_id = :id AND pr.meta_key = '_price' AND :price IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM {prefix}posts c WHERE c.post_parent = :id AND c.post_type = 'product_variation');

INSERT INTO {prefix}postmeta (post_id, meta_key, meta_value)
SELECT :id, '_price', :price FROM DUAL
WHERE :price IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM {prefix}postmeta x WHERE x.post_id = :id AND x.meta_key = '_price')
  AND NOT EXISTS (SELECT 1 FROM {prefix}posts c WHERE c.post_parent = :id AND c.post_type = 'product_variation');

UPDATE {prefix}postmeta
SET meta_value = CASE meta_key WHEN '_manage_stock' THEN 'yes' ELSE :quantity END
WHERE post_id = :id AND meta_key IN ('_manage_stock', '_stock') AND :quantity IS NOT NULL;

INSERT INTO {prefix}postmeta (post_id, meta_key, meta_value)
SELECT :id, k.meta_key, CASE k.meta_key WHEN '_manage_stock' THEN 'yes' ELSE :quantity END
FROM (SELECT '_manage_stock' AS meta_key UNION ALL SELECT '_stock') k
WHERE :quantity IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM {prefix}postmeta x WHERE x.post_id = :id AND x.meta_key = k.meta_key);

UPDATE {prefix}postmeta ss
LEFT JOIN {prefix}postmeta bo ON bo.post_id = ss.post_id AND bo.meta_key = '_backorders'
LEFT JOIN {prefix}options ns ON ns.option_name = 'woocommerce_notify_no_stock_amount'
SET ss.meta_value = CASE
      WHEN :quantity > CAST(COALESCE(NULLIF(ns.option_value, ''), '0') AS SIGNED) THEN 'instock'
      WHEN COALESCE(bo.meta_value, 'no') IN ('yes', 'notify') THEN 'onbackorder'
      ELSE 'outofstock' END
WHERE ss.post_id = :id AND ss.meta_key = '_stock_status' AND :quantity IS NOT NULL;

INSERT INTO {prefix}postmeta (post_id, meta_key, meta_value)
SELECT :id, '_stock_status',
       CASE WHEN :quantity > CAST(COALESCE(NULLIF((SELECT ns.option_value FROM {prefix}options ns
                                                   WHERE ns.option_name = 'woocommerce_notify_no_stock_amount'), ''), '0') AS SIGNED)
            THEN 'instock'
            WHEN COALESCE((SELECT bo.meta_value FROM {prefix}postmeta bo
                            WHERE bo.post_id = :id AND bo.meta_key = '_backorders' LIMIT 1), 'no') IN ('yes', 'notify')
            THEN 'onbackorder'
            ELSE 'outofstock' END
FROM DUAL
WHERE :quantity IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM {prefix}postmeta x WHERE x.post_id = :id AND x.meta_key = '_stock_status');

DELETE tr FROM {prefix}term_relationships tr
JOIN {prefix}term_taxonomy tt ON tt.term_taxonomy_id = tr.term_taxonomy_id AND tt.taxonomy = 'product_visibility'
JOIN {prefix}terms t ON t.term_id = tt.term_id AND t.slug = 'outofstock'
WHERE tr.object_id = :id AND :quantity IS NOT NULL;

INSERT INTO {prefix}term_relationships (object_id, term_taxonomy_id)
SELECT :id, tt.term_taxonomy_id
FROM {prefix}term_taxonomy tt
JOIN {prefix}terms t ON t.term_id = tt.term_id AND t.slug = 'outofstock'
WHERE tt.taxonomy = 'product_visibility' AND :quantity IS NOT NULL
  AND EXISTS (SELECT 1 FROM {prefix}posts p WHERE p.ID = :id AND p.post_type = 'product')
  AND EXISTS (SELECT 1 FROM {prefix}postmeta s
               WHERE s.post_id = :id AND s.meta_key = '_stock_status' AND s.meta_value = 'outofstock');

UPDATE {prefix}term_taxonomy tt
JOIN {prefix}terms t ON t.term_id = tt.term_id AND t.slug = 'outofstock'
SET tt.count = (SELECT COUNT(*) FROM {prefix}term_relationships r WHERE r.term_taxonomy_id = tt.term_taxonomy_id)
WHERE tt.taxonomy = 'product_visibility' AND :quantity IS NOT NULL;

INSERT INTO {prefix}wc_product_meta_lookup
       (product_id, sku, min_price, max_price, onsale, stock_quantity, stock_status)
SELECT :id,
       COALESCE((SELECT m.meta_value FROM {prefix}postmeta m WHERE m.post_id = :id AND m.meta_key = '_sku' LIMIT 1), ''),
       (SELECT MIN(CAST(m.meta_value AS DECIMAL(19,4))) FROM {prefix}postmeta m
         WHERE m.post_id = :id AND m.meta_key = '_price' AND m.meta_value <> ''),
       (SELECT MAX(CAST(m.meta_value AS DECIMAL(19,4))) FROM {prefix}postmeta m
         WHERE m.post_id = :id AND m.meta_key = '_price' AND m.meta_value <> ''),
       EXISTS (SELECT 1 FROM {prefix}postmeta sp
                 JOIN {prefix}postmeta pp ON pp.post_id = sp.post_id AND pp.meta_key = '_price'
                WHERE sp.post_id = :id AND sp.meta_key = '_sale_price' AND sp.meta_value <> ''
                  AND pp.meta_value = sp.meta_value),
       (SELECT NULLIF(s.meta_value, '') + 0 FROM {prefix}postmeta s
          JOIN {prefix}postmeta ms ON ms.post_id = s.post_id AND ms.meta_key = '_manage_stock' AND ms.meta_value = 'yes'
         WHERE s.post_id = :id AND s.meta_key = '_stock' LIMIT 1),
       COALESCE((SELECT m.meta_value FROM {prefix}postmeta m
                  WHERE m.post_id = :id AND m.meta_key = '_stock_status' LIMIT 1), 'instock')
FROM DUAL
ON DUPLICATE KEY UPDATE sku = VALUES(sku), min_price = VALUES(min_price), max_price = VALUES(max_price),
                        onsale = VALUES(onsale), stock_quantity = VALUES(stock_quantity),
                        stock_status = VALUES(stock_status);
