-- A variable product has no price of its own: a price given for it is the
-- regular price of each of its variations, and their active price unless
-- a sale price below it is running (WooCommerce's "set regular prices" on
-- all variations), their lookup rows following.
UPDATE {prefix}postmeta rp
JOIN {prefix}posts v ON v.ID = rp.post_id AND v.post_parent = :id AND v.post_type = 'product_variation'
SET rp.meta_value = :price
WHERE rp.meta_key = '_regular_price' AND :price IS NOT NULL;

INSERT INTO {prefix}postmeta (post_id, meta_key, meta_value)
SELECT v.ID, '_regular_price', :price
FROM {prefix}posts v
WHERE v.post_parent = :id AND v.post_type = 'product_variation' AND :price IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM {prefix}postmeta x WHERE x.post_id = v.ID AND x.meta_key = '_regular_price');

UPDATE {prefix}postmeta pr
JOIN {prefix}posts v ON v.ID = pr.post_id AND v.post_parent = :id AND v.post_type = 'product_variation'
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
WHERE pr.meta_key = '_price' AND :price IS NOT NULL;

INSERT INTO {prefix}postmeta (post_id, meta_key, meta_value)
SELECT v.ID, '_price', :price
FROM {prefix}posts v
WHERE v.post_parent = :id AND v.post_type = 'product_variation' AND :price IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM {prefix}postmeta x WHERE x.post_id = v.ID AND x.meta_key = '_price');

UPDATE {prefix}wc_product_meta_lookup l
JOIN {prefix}posts v ON v.ID = l.product_id AND v.post_parent = :id AND v.post_type = 'product_variation'
SET l.min_price = (SELECT MIN(CAST(m.meta_value AS DECIMAL(19,4))) FROM {prefix}postmeta m
                    WHERE m.post_id = l.product_id AND m.meta_key = '_price' AND m.meta_value <> ''),
    l.max_price = (SELECT MAX(CAST(m.meta_value AS DECIMAL(19,4))) FROM {prefix}postmeta m
                    WHERE m.post_id = l.product_id AND m.meta_key = '_price' AND m.meta_value <> ''),
    l.onsale = EXISTS (SELECT 1 FROM {prefix}postmeta sp
                         JOIN {prefix}postmeta pp ON pp.post_id = sp.post_id AND pp.meta_key = '_price'
                        WHERE sp.post_id = l.product_id AND sp.meta_key = '_sale_price' AND sp.meta_value <> ''
                          AND pp.meta_value = sp.meta_value)
WHERE :price IS NOT NULL;

-- Then the variable product (the one written, or the one whose variation
-- was written) follows, as WooCommerce syncs a variable product after a
-- variation is saved: one _price row per distinct price of its published
-- variations, and the lowest and highest of them in wc_product_meta_lookup.
DELETE FROM {prefix}postmeta
WHERE meta_key = '_price'
  AND post_id = COALESCE(
        (SELECT v.post_parent FROM {prefix}posts v WHERE v.ID = :id AND v.post_type = 'product_variation'),
        (SELECT c.post_parent FROM {prefix}posts c
          WHERE c.post_parent = :id AND c.post_type = 'product_variation' LIMIT 1));

INSERT INTO {prefix}postmeta (post_id, meta_key, meta_value)
SELECT DISTINCT v.post_parent, '_price', m.meta_value
FROM {prefix}posts v
JOIN {prefix}postmeta m ON m.post_id = v.ID AND m.meta_key = '_price' AND m.meta_value <> ''
WHERE v.post_parent = COALESCE(
        (SELECT c.post_parent FROM {prefix}posts c WHERE c.ID = :id AND c.post_type = 'product_variation'),
        (SELECT c.post_parent FROM {prefix}posts c
          WHERE c.post_parent = :id AND c.post_type = 'product_variation' LIMIT 1))
  AND v.post_type = 'product_variation' AND v.post_status = 'publish';

UPDATE {prefix}wc_product_meta_lookup
SET min_price = (SELECT MIN(CAST(m.meta_value AS DECIMAL(19,4))) FROM {prefix}postmeta m
                  WHERE m.post_id = {prefix}wc_product_meta_lookup.product_id AND m.meta_key = '_price'),
    max_price = (SELECT MAX(CAST(m.meta_value AS DECIMAL(19,4))) FROM {prefix}postmeta m
                  WHERE m.post_id = {prefix}wc_product_meta_lookup.product_id AND m.meta_key = '_price')
WHERE product_id = COALESCE(
        (SELECT v.post_parent FROM {prefix}posts v WHERE v.ID = :id AND v.post_type = 'product_variation'),
        (SELECT c.post_parent FROM {prefix}posts c
          WHERE c.post_parent = :id AND c.post_type = 'product_variation' LIMIT 1));
