-- Products and their variations (posts of type product / product_variation,
-- a variation's post_parent is its product) with WooCommerce's postmeta.
-- Enabled means published. A variable product has one _price row per
-- distinct price of its variations: its price is the lowest. The
-- quantity is known where stock is managed: the product's own, or for a
-- variation that leaves it to its product, the product's. A variation is
-- in its product's categories. WordPress has one language per site.
SELECT p.ID AS id,
       (SELECT NULLIF(m.meta_value, '') FROM {prefix}postmeta m
         WHERE m.post_id = p.ID AND m.meta_key = '_sku' LIMIT 1) AS sku,
       NULL AS model,
       p.post_title AS name,
       p.post_content AS description,
       (SELECT m.meta_value FROM {prefix}postmeta m
         WHERE m.post_id = p.ID AND m.meta_key = '_price' AND m.meta_value <> ''
         ORDER BY CAST(m.meta_value AS DECIMAL(19,4)) LIMIT 1) AS price,
       (SELECT CAST(NULLIF(s.meta_value, '') AS SIGNED)
          FROM {prefix}postmeta s
          JOIN {prefix}postmeta ms ON ms.post_id = s.post_id AND ms.meta_key = '_manage_stock' AND ms.meta_value = 'yes'
         WHERE s.meta_key = '_stock'
           AND s.post_id IN (p.ID, CASE WHEN p.post_type = 'product_variation' THEN p.post_parent END)
         ORDER BY s.post_id = p.ID DESC LIMIT 1) AS quantity,
       CASE WHEN p.post_status = 'publish' THEN 1 ELSE 0 END AS status,
       NULL AS manufacturer_id,
       (SELECT f.meta_value FROM {prefix}postmeta t
          JOIN {prefix}postmeta f ON f.post_id = t.meta_value AND f.meta_key = '_wp_attached_file'
         WHERE t.post_id = p.ID AND t.meta_key = '_thumbnail_id' LIMIT 1) AS image,
       (SELECT m.meta_value FROM {prefix}postmeta m
         WHERE m.meta_key = '_weight' AND m.meta_value <> ''
           AND m.post_id IN (p.ID, CASE WHEN p.post_type = 'product_variation' THEN p.post_parent END)
         ORDER BY m.post_id = p.ID DESC LIMIT 1) AS weight,
       CASE WHEN p.post_type = 'product_variation' THEN p.post_parent END AS variant_of,
       (SELECT GROUP_CONCAT(tt.term_id ORDER BY tt.term_id)
          FROM {prefix}term_relationships tr
          JOIN {prefix}term_taxonomy tt
            ON tt.term_taxonomy_id = tr.term_taxonomy_id AND tt.taxonomy = 'product_cat'
         WHERE tr.object_id = CASE WHEN p.post_type = 'product_variation' THEN p.post_parent ELSE p.ID END
       ) AS categories_ids,
       '0' AS stores_ids,
       p.post_date AS created_at,
       p.post_modified AS modified_at
FROM {prefix}posts p
WHERE p.ID > :after AND p.ID <= :until
  AND (:ids_count = 0 OR p.ID IN (:ids))
  AND p.post_type IN ('product', 'product_variation')
  AND p.post_status NOT IN ('trash', 'auto-draft')
  AND (:status IS NULL OR (p.post_status = 'publish') = (:status = 1))
  AND (:sku IS NULL OR EXISTS (SELECT 1 FROM {prefix}postmeta s
                                WHERE s.post_id = p.ID AND s.meta_key = '_sku' AND s.meta_value = :sku))
  AND (:name IS NULL OR p.post_title LIKE :name ESCAPE '!')
  AND (:created_from IS NULL OR p.post_date >= :created_from)
  AND (:created_to IS NULL OR p.post_date <= :created_to)
  AND (:modified_from IS NULL OR p.post_modified >= :modified_from)
  AND (:modified_to IS NULL OR p.post_modified <= :modified_to)
  AND (:store_id IS NULL OR :store_id = 0)
ORDER BY p.ID
LIMIT :limit OFFSET :offset
