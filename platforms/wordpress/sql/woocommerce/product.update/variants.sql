-- When the product written is a variation, its variable product follows,
-- as WooCommerce syncs a variable product after a variation is saved: one
-- _price row per distinct price of its published variations, and the
-- lowest and highest of them in wc_product_meta_lookup.
DELETE FROM {prefix}postmeta
WHERE meta_key = '_price'
  AND post_id = (SELECT v.post_parent FROM {prefix}posts v
                  WHERE v.ID = :id AND v.post_type = 'product_variation');

INSERT INTO {prefix}postmeta (post_id, meta_key, meta_value)
SELECT DISTINCT v.post_parent, '_price', m.meta_value
FROM {prefix}posts v
JOIN {prefix}postmeta m ON m.post_id = v.ID AND m.meta_key = '_price' AND m.meta_value <> ''
WHERE v.post_parent = (SELECT c.post_parent FROM {prefix}posts c
                        WHERE c.ID = :id AND c.post_type = 'product_variation')
  AND v.post_type = 'product_variation' AND v.post_status = 'publish';

UPDATE {prefix}wc_product_meta_lookup
SET min_price = (SELECT MIN(CAST(m.meta_value AS DECIMAL(19,4))) FROM {prefix}postmeta m
                  WHERE m.post_id = {prefix}wc_product_meta_lookup.product_id AND m.meta_key = '_price'),
    max_price = (SELECT MAX(CAST(m.meta_value AS DECIMAL(19,4))) FROM {prefix}postmeta m
                  WHERE m.post_id = {prefix}wc_product_meta_lookup.product_id AND m.meta_key = '_price')
WHERE product_id = (SELECT v.post_parent FROM {prefix}posts v
                     WHERE v.ID = :id AND v.post_type = 'product_variation');
